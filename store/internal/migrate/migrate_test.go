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
	p, err := Pending(ms, 1)
	if err != nil || len(p) != 1 || p[0].Version != 2 {
		t.Fatalf("Pending(1) = %+v, %v", p, err)
	}
	if p, err := Pending(ms, 2); err != nil || len(p) != 0 {
		t.Fatalf("Pending(2) = %+v, %v", p, err)
	}
	if _, err := Pending(ms, 3); !errors.Is(err, ErrTooNew) {
		t.Fatalf("Pending(3) error = %v, want ErrTooNew", err)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap":     {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"badname": {"m/init.sql": {}},
		"zero":    {"m/0000_a.sql": {}},
		"dup":     {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
