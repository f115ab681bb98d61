package orders

// SetCommitFault makes every intake transaction of s fail with f's error
// just before its commit (nil f: none).
func SetCommitFault(s *Service, f func() error) { s.commitFault = f }

// HoldCommits keeps s's group-commit writer from starting: deliveries queue
// up until release is called, so that a test decides what one batch holds.
// queued says how many wait.
func HoldCommits(s *Service) (queued func() int, release func()) {
	s.init()
	c := &s.commits
	c.mu.Lock()
	c.busy = true
	c.mu.Unlock()
	queued = func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.queue)
	}
	return queued, func() { go s.drain() }
}
