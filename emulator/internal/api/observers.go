package api

// Observers hands every Record to each of its observers in turn (the
// journal and the metrics), so the gateway keeps one Observer.
type Observers []Observer

// Observe implements Observer.
func (o Observers) Observe(r Record) {
	for _, ob := range o {
		ob.Observe(r)
	}
}
