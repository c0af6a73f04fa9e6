package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// jwtHeader is the JOSE header of the tokens we sign and of the client assertions we read.
// Certificate assertions identify their key by thumbprint (x5t or x5t#S256), see
// https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials
type jwtHeader struct {
	Alg     string   `json:"alg"`
	Typ     string   `json:"typ,omitempty"`
	Kid     string   `json:"kid,omitempty"`
	X5t     string   `json:"x5t,omitempty"`
	X5tS256 string   `json:"x5t#S256,omitempty"`
	X5c     []string `json:"x5c,omitempty"`
}

// jwt is a parsed but not yet verified compact JWS.
type jwt struct {
	header       jwtHeader
	payload      []byte
	signingInput string
	signature    []byte
}

var b64 = base64.RawURLEncoding

// signRS256 serialises header and claims and signs them with key.
func signRS256(key *rsa.PrivateKey, header jwtHeader, claims any) (string, error) {
	header.Alg = "RS256"
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("jwt header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwt claims: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("jwt sign: %w", err)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// parseJWT splits and decodes a compact JWS without checking its signature.
func parseJWT(s string) (*jwt, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	h, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("header encoding: %w", err)
	}
	var hdr jwtHeader
	if err := json.Unmarshal(h, &hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload encoding: %w", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("signature encoding: %w", err)
	}
	return &jwt{header: hdr, payload: payload, signingInput: parts[0] + "." + parts[1], signature: sig}, nil
}

// verify checks the signature with pub; RS256 and PS256 are the algorithms MSAL uses.
func (t *jwt) verify(pub *rsa.PublicKey) error {
	sum := sha256.Sum256([]byte(t.signingInput))
	switch t.header.Alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], t.signature)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], t.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return fmt.Errorf("unsupported alg %q", t.header.Alg)
	}
}
