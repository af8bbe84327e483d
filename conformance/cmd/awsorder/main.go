// Command awsorder writes the conformance corpus's copy in AWS's key order (TestCorpus builds
// the same copy in memory) from the corpus and the raw recordings it was drawn from (see
// conformance.OrderCorpus), and prints what it could not order and why.
//
//	go run ./conformance/cmd/awsorder -out /tmp/aws-order  # then run.py --cases /tmp/aws-order
//	go run ./conformance/cmd/awsorder -recordings ../shared/spec/aws-recordings -used
//
// -used lists the recording files read, so that the in-repo recordings can hold them.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/stepwise-run/stepwise/conformance"
)

func main() {
	corpus := flag.String("corpus", "conformance/corpus", "the corpus: <area>/<id>.json")
	recordings := flag.String("recordings", "conformance/recordings", "the raw recordings: v2/ and templates/")
	out := flag.String("out", "", "where to write the cases in AWS's order (replaced; required)")
	used := flag.Bool("used", false, "list the recording files read")
	flag.Parse()
	if *out == "" {
		log.Fatal("awsorder: -out DIR is required (the directory is replaced)")
	}

	files, notes, read, err := conformance.OrderCorpus(os.DirFS(*corpus), os.DirFS(*recordings))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(*out); err != nil {
		log.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(*out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	measurable := 0
	for _, n := range notes {
		if n.Measurable() {
			measurable++
			continue
		}
		fmt.Printf("%s: definition: %s; input: %s; expected: %s\n", n.File, n.Definition, n.Input, n.Expected)
	}
	changed := 0
	for _, n := range notes {
		if n.Changed {
			changed++
		}
	}
	fmt.Printf("%d cases written to %s: %d in another order than the corpus's; %d with definition, input and expected all from the recordings\n",
		len(files), *out, changed, measurable)
	if *used {
		for _, f := range read {
			if _, err := fs.Stat(os.DirFS(*recordings), f); err == nil {
				fmt.Println("used", f)
			}
		}
	}
}
