package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// buildTable lists the active calls of a tracker's snapshot, with the
// parties still in each call.
func buildTable(now time.Time, calls []telephony.Call) tableLine {
	l := tableLine{Type: "calls", Time: now, Calls: []tableCall{}}
	for _, c := range calls {
		if c.Ended {
			continue
		}
		tc := tableCall{Call: shortID(c.TelephonySessionID), Session: c.TelephonySessionID, Since: c.Started}
		for i := range c.Parties {
			p := &c.Parties[i]
			if p.Status.Code == telephony.Disconnected || p.Status.Code == telephony.Gone {
				continue
			}
			tc.Parties = append(tc.Parties, tableParty{ID: p.ID, Name: partyLabel(p), Status: string(p.Status.Code)})
		}
		l.Calls = append(l.Calls, tc)
	}
	return l
}

// formatTable renders the table as aligned text:
//
//	── 2 active calls at 09:00:05 ──
//	CALL    FOR    PARTIES
//	8c1f2e  0:12   Alice Smith (101) Answered · +14155550123 Answered
func formatTable(l tableLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "── %d active call%s at %s ──\n", len(l.Calls), plural(len(l.Calls)), l.Time.Local().Format(time.TimeOnly))
	if len(l.Calls) == 0 {
		return b.String()
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tFOR\tPARTIES")
	for _, c := range l.Calls {
		var ps []string
		for _, p := range c.Parties {
			ps = append(ps, p.Name+" "+p.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Call, since(l.Time, c.Since), strings.Join(ps, " · "))
	}
	_ = tw.Flush() // writes to a strings.Builder cannot fail
	return b.String()
}

// since formats how long ago t was as m:ss.
func since(now, t time.Time) string {
	if t.IsZero() || now.Before(t) {
		return "0:00"
	}
	d := now.Sub(t).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
