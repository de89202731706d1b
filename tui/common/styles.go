package common

import "github.com/charmbracelet/lipgloss"

// Styles are every style the station draws with. They are built from one
// renderer, so each terminal (a local one, or an SSH session later) gets
// colours its own terminal can show; nothing here is a package global.
type Styles struct {
	Title     lipgloss.Style
	Muted     lipgloss.Style
	OK        lipgloss.Style // an accepted scan: green, and marked so monochrome shows it
	Error     lipgloss.Style // a refused scan: red and reversed, so it stands out without colour
	Warn      lipgloss.Style
	Selected  lipgloss.Style
	Header    lipgloss.Style
	Done      lipgloss.Style
	Status    lipgloss.Style // the status bar
	StatusBad lipgloss.Style // a status bar part that needs attention
	Entry     lipgloss.Style
	HelpKey   lipgloss.Style
	HelpDesc  lipgloss.Style
}

// NewStyles builds the styles for renderer r.
func NewStyles(r *lipgloss.Renderer) *Styles {
	green := lipgloss.AdaptiveColor{Light: "#0A7A0A", Dark: "#5FD75F"}
	red := lipgloss.AdaptiveColor{Light: "#B00000", Dark: "#FF5F5F"}
	amber := lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#FFAF00"}
	muted := lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}
	return &Styles{
		Title:     r.NewStyle().Bold(true),
		Muted:     r.NewStyle().Foreground(muted),
		OK:        r.NewStyle().Foreground(green).Bold(true),
		Error:     r.NewStyle().Foreground(red).Bold(true).Reverse(true),
		Warn:      r.NewStyle().Foreground(amber).Bold(true),
		Selected:  r.NewStyle().Bold(true),
		Header:    r.NewStyle().Underline(true),
		Done:      r.NewStyle().Foreground(muted),
		Status:    r.NewStyle().Reverse(true),
		StatusBad: r.NewStyle().Reverse(true).Bold(true).Foreground(red),
		Entry:     r.NewStyle().Bold(true),
		HelpKey:   r.NewStyle().Bold(true),
		HelpDesc:  r.NewStyle().Foreground(muted),
	}
}
