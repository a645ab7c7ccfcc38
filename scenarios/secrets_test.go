package scenarios

import (
	"sync"
	"testing"
)

func TestSecretDefaults(t *testing.T) {
	base := mustLibrary(t)
	var d SecretDefaults
	in := SelectInput{Action: "CompareFaceLiveness", SecretID: "AKIDONE"}
	if got := d.Apply(base); got != base {
		t.Fatal("with no choice Apply must return the base set itself")
	}
	const name = "comparefaceliveness-compare-failedoperation-comparelowsimilarity"
	d.Set("AKIDONE", name)
	set := d.Apply(base)
	if sc, reason, _ := set.Select(in); sc.Name != name || reason != ReasonSecretDefault {
		t.Errorf("chosen SecretId: %s (%s), want %s (secret-default)", sc.Name, reason, name)
	}
	if sc, _, _ := set.Select(SelectInput{Action: "CompareFaceLiveness", SecretID: "AKIDTWO"}); sc.Name != DefaultName {
		t.Errorf("other SecretId: %s, want default", sc.Name)
	}
	if sc, _, _ := base.Select(in); sc.Name != DefaultName {
		t.Errorf("the base set changed: %s", sc.Name)
	}
	if d.Apply(base) != set {
		t.Error("Apply rebuilt the set with nothing changed")
	}
	if got := d.All(); len(got) != 1 || got["AKIDONE"] != name {
		t.Errorf("All = %v", got)
	}
	// A new base (a reload) keeps the choice.
	reloaded := mustLibrary(t)
	if sc, _, _ := d.Apply(reloaded).Select(in); sc.Name != name {
		t.Errorf("after a reload: %s", sc.Name)
	}
	// A name the set lacks is left out.
	if _, missing := base.WithSecretDefaults(map[string]string{"X": "no-such"}); len(missing) != 1 {
		t.Errorf("missing = %v", missing)
	}
	d.Set("AKIDONE", "")
	if got := d.Apply(base); got != base {
		t.Error("after removing the only choice Apply must return the base set")
	}
	// Concurrent use (run with -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if (i+j)%3 == 0 {
					d.Set("AKIDONE", name)
				}
				d.Apply(base).Select(in)
			}
		}()
	}
	wg.Wait()
}
