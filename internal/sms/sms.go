// Package sms sends text messages: attestation codes (D-O4). Elks is a
// client of 46elks' HTTP API, a Swedish SMS gateway; Log is the
// development sender, which writes the message to the log so that the
// whole flow works offline.
package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
)

// Message is one text message.
type Message struct {
	// To is the recipient's number in E.164 form, e.g. +46701234567.
	To   string
	Text string
}

// Sent is the gateway's receipt.
type Sent struct {
	// ID is the gateway's id of the message, recorded as the
	// transaction reference of what it was sent for (D-O6).
	ID string
}

// Sender sends text messages.
type Sender interface {
	Send(ctx context.Context, m Message) (Sent, error)
}

var (
	// ErrUnavailable wraps every failure a retry may cure: the network, a
	// timeout, a 5xx or 429 answer, an answer that cannot be read.
	ErrUnavailable = errors.New("sms: gateway unavailable")
	// ErrRejected wraps a refusal retrying will not cure: a bad number,
	// wrong credentials.
	ErrRejected = errors.New("sms: message rejected")
)

// Log is the development sender: it logs the message, code included, and
// sends nothing.
type Log struct{ Logger *slog.Logger }

// Send implements Sender.
func (l Log) Send(ctx context.Context, m Message) (Sent, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := "log-" + hex.EncodeToString(b)
	l.Logger.InfoContext(ctx, "SMS not sent (development sender)", "to", m.To, "text", m.Text, "id", id)
	return Sent{ID: id}, nil
}
