package migrate

import (
	"errors"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
		"m/README":        {Data: []byte("ignored")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].SQL != "A" || ms[1].Name != "0002_more.sql" {
		t.Fatalf("got %+v", ms)
	}
	p, err := Pending(ms, []int{1})
	if err != nil || len(p) != 1 || p[0].Version != 2 {
		t.Fatalf("Pending(1) = %+v, %v", p, err)
	}
	if p, err := Pending(ms, []int{1, 2}); err != nil || len(p) != 0 {
		t.Fatalf("Pending(1, 2) = %+v, %v", p, err)
	}
	if _, err := Pending(ms, []int{1, 2, 3}); !errors.Is(err, ErrTooNew) {
		t.Fatalf("Pending(3) error = %v, want ErrTooNew", err)
	}
}

// Two branches numbered their migrations 5 and 6; a database that got 6 first still gets 5.
func TestPendingFillsGaps(t *testing.T) {
	fsys := fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}, "m/0002_b.sql": {}}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Pending(ms, []int{1, 3})
	if err != nil || len(p) != 1 || p[0].Version != 2 {
		t.Fatalf("Pending(1, 3) = %+v, %v", p, err)
	}
	gap := fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}
	if ms, err := Load(gap, "m"); err != nil || len(ms) != 2 {
		t.Fatalf("Load with a gap = %+v, %v", ms, err)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"badname": {"m/init.sql": {}},
		"zero":    {"m/0000_a.sql": {}},
		"dup":     {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
