package sync

// SetAfterPublish installs a test hook called after JetStream acked a
// batch and before the acks are recorded; returning true makes the
// drainer stop there, as if the station died at that moment.
func SetAfterPublish(s *Station, f func([]uint64) bool) { s.afterPublish = f }
