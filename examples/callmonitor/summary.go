package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// summaryLine is the summary of one ended call (telephony.CallSummary),
// in the form both printers use.
type summaryLine struct {
	Type      string    `json:"type"` // "summary"
	Time      time.Time `json:"time"` // when callmonitor received the change that ended the call
	Call      string    `json:"call"` // short form of Session
	Session   string    `json:"telephonySessionId"`
	Journey   string    `json:"journeyId"`
	Linked    []string  `json:"linkedSessions,omitempty"`
	Direction string    `json:"direction,omitempty"`
	Caller    string    `json:"caller,omitempty"`
	Callee    string    `json:"callee,omitempty"`
	Start     time.Time `json:"start,omitzero"`
	Answer    time.Time `json:"answer,omitzero"`
	End       time.Time `json:"end,omitzero"`
	Outcome   string    `json:"outcome"`
	RingS     float64   `json:"ringSeconds"`
	TalkS     float64   `json:"talkSeconds"`
	HoldS     float64   `json:"holdSeconds"`
	Parties   int       `json:"parties"`
	Partial   bool      `json:"partial"`
}

// newSummaryLine describes the summary of a call that ended.
func newSummaryLine(now time.Time, s *telephony.CallSummary) summaryLine {
	return summaryLine{
		Type: "summary", Time: now, Call: shortID(s.TelephonySessionID), Session: s.TelephonySessionID,
		Journey: s.JourneyID, Linked: s.LinkedSessions, Direction: s.Direction,
		Caller: endpoint(s.Caller), Callee: endpoint(s.Callee),
		Start: s.Start, Answer: s.Answer, End: s.End, Outcome: s.Outcome.String(),
		RingS: seconds(s.Ring), TalkS: seconds(s.Talk), HoldS: seconds(s.Hold),
		Parties: len(s.Parties), Partial: s.Partial,
	}
}

// seconds returns d in seconds, to the millisecond.
func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// summaryText renders a summary line as text:
//
//	09:00:05.120  8c1f2e  summary: Answered, Alice → +14155550123, rang 6.1s, talked 1m0.1s, held 0s, 2 parties
func summaryText(l summaryLine) string {
	s := fmt.Sprintf("%s  %-6s  summary: %s, %s → %s, rang %v, talked %v, held %v, %d part%s",
		l.Time.Local().Format("15:04:05.000"), l.Call, l.Outcome, orDot(l.Caller), orDot(l.Callee),
		dur(l.RingS), dur(l.TalkS), dur(l.HoldS), l.Parties, plural1(l.Parties, "y", "ies"))
	if l.Journey != "" && l.Journey != l.Session {
		s += ", journey " + shortID(l.Journey)
	}
	if l.Partial {
		s += ", partial (times are lower bounds)"
	}
	return s + "\n"
}

func (p *printer) summary(l summaryLine) { p.emit(l, summaryText(l)) }

func dur(sec float64) time.Duration {
	return time.Duration(sec * float64(time.Second)).Round(time.Millisecond)
}

func orDot(s string) string {
	if s == "" {
		return "·"
	}
	return s
}

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// csvHeader names the columns of the -csv file.
var csvHeader = []string{"end_time", "session_id", "journey_id", "direction", "caller", "callee",
	"outcome", "ring_s", "talk_s", "hold_s", "parties", "partial"}

// csvLog appends one row per ended call to a CSV file.
type csvLog struct {
	f   *os.File
	w   *csv.Writer
	err error // the first write error; later rows are not written
}

// openCSV opens (creating it if needed) the file name for appending, and
// writes the header when the file is empty.
func openCSV(name string) (*csvLog, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	l := &csvLog{f: f, w: csv.NewWriter(f)}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if st.Size() == 0 {
		if err := l.write(csvHeader); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return l, nil
}

// row writes the row of one ended call.
func (l *csvLog) row(s summaryLine) {
	end := ""
	if !s.End.IsZero() {
		end = s.End.UTC().Format(time.RFC3339Nano)
	}
	_ = l.write([]string{end, s.Session, s.Journey, s.Direction, s.Caller, s.Callee, s.Outcome,
		strconv.FormatFloat(s.RingS, 'f', 3, 64), strconv.FormatFloat(s.TalkS, 'f', 3, 64),
		strconv.FormatFloat(s.HoldS, 'f', 3, 64), strconv.Itoa(s.Parties), strconv.FormatBool(s.Partial)})
}

func (l *csvLog) write(rec []string) error {
	if l.err != nil {
		return l.err
	}
	if err := l.w.Write(rec); err != nil {
		l.err = err
		return err
	}
	l.w.Flush() // one row at a time: a log read while callmonitor runs
	l.err = l.w.Error()
	return l.err
}

// close closes the file and returns the first error met.
func (l *csvLog) close() error {
	err := l.f.Close()
	if l.err != nil {
		return l.err
	}
	return err
}
