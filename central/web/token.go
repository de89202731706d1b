package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrBadToken is returned for any token that does not open: wrong,
// truncated, tampered with or made with another key. Callers answer 404
// and never say which.
var ErrBadToken = errors.New("bad token")

// maxIDLen is the longest order id a token carries; every token is
// padded to it, so all tokens have one length and take one path.
const maxIDLen = 32

// tokenLen is the length of a token's bytes: nonce, padded id, GCM tag.
const tokenLen = 12 + 1 + maxIDLen + 16

// Tokens makes and opens the private order tokens of customer links. A
// token is the order id sealed with AES-256-GCM under the site key: it
// names no internal id, cannot be guessed (a 128-bit tag and a 96-bit
// random nonce), needs no table, and any change to it fails to open.
type Tokens struct {
	aead cipher.AEAD
	mac  []byte // key of the CSRF HMAC, derived from the same secret
}

// NewTokens builds Tokens from a 32-byte secret.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("web key: %d bytes, want 32", len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("packline csrf"))
	return &Tokens{aead: aead, mac: mac.Sum(nil)}, nil
}

// LoadOrCreateKey reads the 32-byte site key at path, creating it (mode
// 0600) on first start.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != 32 {
			return nil, fmt.Errorf("web key %s: %d bytes, want 32", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("web key %s: %w", path, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("web key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("web key %s: %w", path, err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("web key %s: %w", path, err)
	}
	return key, f.Close()
}

// Seal makes a token for an order id.
func (t *Tokens) Seal(orderID string) (string, error) {
	if orderID == "" || len(orderID) > maxIDLen {
		return "", fmt.Errorf("order id %q: want 1-%d bytes", orderID, maxIDLen)
	}
	plain := make([]byte, 1+maxIDLen)
	plain[0] = byte(len(orderID))
	copy(plain[1:], orderID)
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := t.aead.Seal(nonce, nonce, plain, nil)
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the order id a token carries. Every bad token, whatever
// is wrong with it (length, alphabet, contents), costs the same: one
// base64 decode of a token's full length and one AES-GCM open, so the
// answer's timing says nothing about how close it was.
func (t *Tokens) Open(token string) (string, error) {
	var src [tokenChars]byte
	ok := len(token) == tokenChars
	for i := range src {
		c := byte('A')
		if i < len(token) {
			c = token[i]
		}
		if !isBase64URL(c) {
			ok, c = false, 'A'
		}
		src[i] = c
	}
	var buf [tokenLen]byte
	if _, err := base64.RawURLEncoding.Decode(buf[:], src[:]); err != nil {
		ok = false
	}
	plain, err := t.aead.Open(nil, buf[:12], buf[12:], nil)
	if !ok || err != nil || len(plain) != 1+maxIDLen || int(plain[0]) == 0 || int(plain[0]) > maxIDLen {
		return "", ErrBadToken
	}
	return string(plain[1 : 1+int(plain[0])]), nil
}

// tokenChars is the length of a token as text: tokenLen bytes in
// unpadded base64 (base64.RawURLEncoding.EncodedLen(tokenLen)).
const tokenChars = (tokenLen*8 + 5) / 6

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// CSRF returns the form token for a browser's CSRF cookie value and the
// page it posts to, valid for two hours from issued.
func (t *Tokens) CSRF(cookie, page string, issued time.Time) string {
	ts := strconv.FormatInt(issued.Unix(), 10)
	return ts + "." + base64.RawURLEncoding.EncodeToString(t.csrfMAC(cookie, page, ts))
}

func (t *Tokens) csrfMAC(cookie, page, ts string) []byte {
	m := hmac.New(sha256.New, t.mac)
	m.Write([]byte(cookie + "\x00" + page + "\x00" + ts))
	return m.Sum(nil)
}

// CheckCSRF verifies a form token against the cookie and the page.
func (t *Tokens) CheckCSRF(form, cookie, page string, now time.Time) bool {
	if cookie == "" || form == "" {
		return false
	}
	ts, sig, ok := strings.Cut(form, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > 2*time.Hour {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, t.csrfMAC(cookie, page, ts))
}
