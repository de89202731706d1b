package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the keys that work on every screen.
type KeyMap struct {
	Pick, Pack, Returns, Exceptions key.Binding
	Next, SignOut, Quit             key.Binding
}

// DefaultKeyMap returns the station's global keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Pick:       key.NewBinding(key.WithKeys("f2"), key.WithHelp("F2", "pick")),
		Pack:       key.NewBinding(key.WithKeys("f3"), key.WithHelp("F3", "pack")),
		Returns:    key.NewBinding(key.WithKeys("f4"), key.WithHelp("F4", "returns")),
		Exceptions: key.NewBinding(key.WithKeys("f5"), key.WithHelp("F5", "exceptions")),
		Next:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		SignOut:    key.NewBinding(key.WithKeys("f10"), key.WithHelp("F10", "sign out")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Next, k.SignOut} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Pick, k.Pack, k.Returns, k.Exceptions}, {k.Next, k.SignOut, k.Quit}}
}
