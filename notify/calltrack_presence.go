package notify

import "github.com/ringwatch/ringwatch/presence"

// presenceTrackers is a placeholder until presence.Tracker lands.
type presenceTrackers struct{}

type presenceChangeStub struct{}

func newPresenceTrackers(cfg callTrackingConfig) *presenceTrackers { return &presenceTrackers{} }

func (p *presenceTrackers) apply(e *PresenceEvent) []presenceChangeStub { return nil }

func (p *presenceTrackers) reconcile(infos []*presence.Info, account bool) []presenceChangeStub {
	return nil
}

func (c *callStage) emitPresence(h *Header, ch []presenceChangeStub, resync bool, emit func(Event) error) error {
	return nil
}
