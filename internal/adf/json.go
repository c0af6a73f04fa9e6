package adf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// The encoder below writes the JSON Jira receives. It differs from encoding/json's
// defaults in three ways: an empty document or paragraph carries "content": [] (Jira's
// own output does, and the document requires it); <, > and & are not escaped, as Jira
// does not escape them either, so Size counts what Jira counts; and it encodes each
// value once, which keeps Size cheap enough for Truncate's bisection.

// MarshalJSON encodes the document for Jira.
func (d *Doc) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	if err := writeValue(&b, d.Type); err != nil {
		return nil, err
	}
	b.WriteString(`,"version":` + strconv.Itoa(d.Version) + `,"content":`)
	if err := writeNodes(&b, d.Content); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON encodes one node the way Doc.MarshalJSON does.
func (n *Node) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeNode(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// JSON returns the compact JSON Jira receives.
func (d *Doc) JSON() ([]byte, error) { return d.MarshalJSON() }

func writeNodes(b *bytes.Buffer, nodes []*Node) error {
	b.WriteByte('[')
	for i, n := range nodes {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeNode(b, n); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

func writeNode(b *bytes.Buffer, n *Node) error {
	if n == nil {
		b.WriteString("null")
		return nil
	}
	b.WriteString(`{"type":`)
	err := writeValue(b, n.Type)
	if err == nil && len(n.Attrs) > 0 {
		b.WriteString(`,"attrs":`)
		err = writeValue(b, n.Attrs)
	}
	if err == nil && (len(n.Content) > 0 || n.Type == TypeParagraph) {
		b.WriteString(`,"content":`)
		err = writeNodes(b, n.Content)
	}
	if err == nil && (n.Text != "" || n.Type == TypeText) {
		b.WriteString(`,"text":`)
		err = writeValue(b, n.Text)
	}
	if err == nil && len(n.Marks) > 0 {
		b.WriteString(`,"marks":`)
		err = writeValue(b, n.Marks)
	}
	b.WriteByte('}')
	return err
}

// writeValue encodes a leaf value (string, attrs, marks) without HTML escaping.
func writeValue(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode adf: %w", err)
	}
	b.Truncate(b.Len() - 1) // Encode ends every value with a newline
	return nil
}

// ParseJSON decodes an ADF document, refusing fields ADF does not define, and validates it.
func ParseJSON(data []byte) (*Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Doc
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("adf: decode: %v: %w", err, errs.ErrInvalid)
	}
	if err := Validate(&d); err != nil {
		return nil, err
	}
	return &d, nil
}
