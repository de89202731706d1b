package scanner

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Linux input key codes (linux/input-event-codes.h) that the key decoder
// treats specially.
const (
	keyEsc        = 1
	keyTab        = 15
	keyLeftBrace  = 26
	keyRightBrace = 27
	keyEnter      = 28
	keyLeftCtrl   = 29
	keyLeftShift  = 42
	keyBackslash  = 43
	keyRightShift = 54
	keyLeftAlt    = 56
	keyCapsLock   = 58
	keyKPEnter    = 96
	keyRightCtrl  = 97
	keyRightAlt   = 100
)

// keypad maps numeric keypad key codes to what they type with NumLock on,
// in every layout.
var keypad = map[uint16]rune{
	71: '7', 72: '8', 73: '9', 74: '-', 75: '4', 76: '5', 77: '6', 78: '+',
	79: '1', 80: '2', 81: '3', 82: '0', 83: '.', 55: '*', 98: '/',
}

// keypadDigit maps keypad key codes to digits for Alt+numpad codes.
var keypadDigit = map[uint16]int{71: 7, 72: 8, 73: 9, 75: 4, 76: 5, 77: 6, 79: 1, 80: 2, 81: 3, 82: 0}

// ctrlKeys maps key positions typed with Ctrl to control characters that
// are not Ctrl+letter. Scanners in keyboard mode send GS (FNC1 in GS1
// data) as Ctrl+] on the US key position, whatever the layout.
var ctrlKeys = map[uint16]byte{keyLeftBrace: 0x1b, keyBackslash: 0x1c, keyRightBrace: 0x1d}

// keyCap is what one key types: plain, with Shift, with AltGr (0: nothing).
type keyCap struct {
	plain, shift, altGr rune
	dead                bool // a dead key: a following space is swallowed
}

// Layout maps key codes to characters for one keyboard layout.
type Layout struct {
	// Name is the layout's short name, as in the config (us, de).
	Name string
	keys map[uint16]keyCap
}

// layoutRows builds key caps from rows of plain and shifted characters
// starting at a key code.
func layoutRows(keys map[uint16]keyCap, first uint16, plain, shift string) {
	p, s := []rune(plain), []rune(shift)
	for i := range p {
		keys[first+uint16(i)] = keyCap{plain: p[i], shift: s[i]}
	}
}

func usLayout() *Layout {
	k := map[uint16]keyCap{}
	layoutRows(k, 2, "1234567890-=", "!@#$%^&*()_+")
	layoutRows(k, 16, "qwertyuiop[]", "QWERTYUIOP{}")
	layoutRows(k, 30, "asdfghjkl;'`", "ASDFGHJKL:\"~")
	layoutRows(k, 43, "\\zxcvbnm,./", "|ZXCVBNM<>?")
	k[57] = keyCap{plain: ' ', shift: ' '}
	k[86] = keyCap{plain: '\\', shift: '|'}
	return &Layout{Name: "us", keys: k}
}

func deLayout() *Layout {
	k := map[uint16]keyCap{}
	layoutRows(k, 2, "1234567890ß", "!\"§$%&/()=?")
	layoutRows(k, 16, "qwertzuiopü+", "QWERTZUIOPÜ*")
	layoutRows(k, 30, "asdfghjklöä", "ASDFGHJKLÖÄ")
	layoutRows(k, 43, "#yxcvbnm,.-", "'YXCVBNM;:_")
	k[13] = keyCap{plain: '´', shift: '`', dead: true}
	k[41] = keyCap{plain: '^', shift: '°', dead: true}
	k[57] = keyCap{plain: ' ', shift: ' '}
	k[86] = keyCap{plain: '<', shift: '>'}
	for code, r := range map[uint16]rune{
		3: '²', 4: '³', 8: '{', 9: '[', 10: ']', 11: '}', 12: '\\',
		16: '@', 18: '€', 27: '~', 86: '|', 50: 'µ',
	} {
		c := k[code]
		c.altGr = r
		k[code] = c
	}
	return &Layout{Name: "de", keys: k}
}

// layouts holds the built-in layouts by name. It is filled once at init
// and never changed.
var layouts = map[string]*Layout{"us": usLayout(), "de": deLayout()}

// LayoutByName returns the built-in keyboard layout name (us, de).
func LayoutByName(name string) (*Layout, error) {
	l, ok := layouts[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("keyboard layout %q: want one of %s", name, strings.Join(LayoutNames(), ", "))
	}
	return l, nil
}

// LayoutNames returns the names of the built-in layouts, sorted.
func LayoutNames() []string {
	names := make([]string, 0, len(layouts))
	for n := range layouts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// KeyDecoder turns key events from a keyboard-mode scanner into the bytes
// it types, with Enter, keypad Enter and Tab typed as '\n' so that a
// Framer in auto mode cuts scans there. It follows Shift, Caps Lock,
// AltGr, Ctrl (control characters such as GS) and Alt+numpad codes. It is
// not safe for concurrent use.
type KeyDecoder struct {
	layout       *Layout
	lshift       bool
	rshift       bool
	ctrl         bool
	alt          bool
	altGr        bool
	caps         bool
	altCode      int
	altDigits    int
	dead         bool
	unknownCount int
}

// NewKeyDecoder returns a KeyDecoder for layout l.
func NewKeyDecoder(l *Layout) *KeyDecoder { return &KeyDecoder{layout: l} }

// Reset forgets held modifiers and partial Alt codes, for when key
// events were lost. Caps Lock is kept as the best guess.
func (k *KeyDecoder) Reset() {
	*k = KeyDecoder{layout: k.layout, caps: k.caps, unknownCount: k.unknownCount}
}

// Unknown returns how many key presses mapped to nothing in the layout.
func (k *KeyDecoder) Unknown() int { return k.unknownCount }

// Key handles one EV_KEY event (value 1 press, 0 release, 2 autorepeat)
// and appends what it types to dst.
func (k *KeyDecoder) Key(code uint16, value int32, dst []byte) []byte {
	down := value == 1
	switch code {
	case keyLeftShift:
		k.lshift = value != 0
		return dst
	case keyRightShift:
		k.rshift = value != 0
		return dst
	case keyLeftCtrl, keyRightCtrl:
		k.ctrl = value != 0
		return dst
	case keyLeftAlt:
		k.alt = value != 0
		if value == 0 && k.altDigits > 0 {
			dst = appendRune(dst, rune(k.altCode))
			k.altCode, k.altDigits = 0, 0
		}
		return dst
	case keyRightAlt:
		if k.layout.Name == "us" {
			k.alt = value != 0 // no AltGr on US: a right Alt is an Alt
			if value == 0 && k.altDigits > 0 {
				dst = appendRune(dst, rune(k.altCode))
				k.altCode, k.altDigits = 0, 0
			}
		} else {
			k.altGr = value != 0
		}
		return dst
	case keyCapsLock:
		if down {
			k.caps = !k.caps
		}
		return dst
	}
	// Autorepeat of a scanner's key is the kernel's doing, not a typed
	// character: a slow scanner that holds a key must not double it.
	if !down {
		return dst
	}
	switch code {
	case keyEnter, keyKPEnter, keyTab:
		k.dead = false
		return append(dst, '\n')
	}
	if k.alt {
		if d, ok := keypadDigit[code]; ok {
			if k.altDigits < 7 {
				k.altCode = k.altCode*10 + d
				k.altDigits++
			}
			return dst
		}
	}
	if r, ok := keypad[code]; ok {
		k.dead = false
		return appendRune(dst, r)
	}
	if k.ctrl {
		if c, ok := ctrlKeys[code]; ok {
			k.dead = false
			return append(dst, c)
		}
	}
	kc, ok := k.layout.keys[code]
	if !ok {
		if code != keyEsc {
			k.unknownCount++
		}
		return dst
	}
	shift := k.lshift || k.rshift
	var r rune
	switch {
	case k.altGr:
		r = kc.altGr
	case shift:
		r = kc.shift
	default:
		r = kc.plain
	}
	if k.caps && !k.altGr && unicode.IsLetter(kc.plain) {
		if shift {
			r = kc.plain
		} else {
			r = kc.shift
		}
	}
	if r == 0 {
		k.unknownCount++
		return dst
	}
	if k.ctrl {
		if lr := unicode.ToLower(r); lr >= 'a' && lr <= 'z' {
			k.dead = false
			return append(dst, byte(lr-'a'+1))
		}
	}
	if k.dead && r == ' ' {
		k.dead = false
		return dst
	}
	k.dead = kc.dead && !k.altGr
	return appendRune(dst, r)
}

func appendRune(dst []byte, r rune) []byte {
	if r < 0 || r > unicode.MaxRune {
		return dst
	}
	if r < utf8.RuneSelf {
		return append(dst, byte(r))
	}
	return utf8.AppendRune(dst, r)
}
