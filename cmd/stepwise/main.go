// Command stepwise runs AWS Step Functions state machines.
//
//	stepwise serve [--listen ADDR] [--store sqlite:PATH|postgres://...]
//	stepwise run [--input JSON|@FILE] [--history] [--time-skipping] DEFINITION.json
//	stepwise test [--junit FILE] [--update] [--run REGEXP] [PATH...]
//	stepwise validate [--type STANDARD|EXPRESS] DEFINITION.json
//	stepwise deploy [--endpoint URL] [--parameter-overrides K=V ...] TEMPLATE
//	stepwise backup [--store sqlite:PATH] FILE
//	stepwise restore [--store sqlite:PATH] [--force] FILE
//
// This file holds flags and wiring only; the work is done by the packages it calls.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

const usage = `stepwise runs AWS Step Functions state machines.

Usage:
  stepwise serve [--listen 127.0.0.1:8083] [--store sqlite:PATH|postgres://...] [--region R] [--account A]
  stepwise run [--input JSON|@FILE] [--history] [--time-skipping] [--name NAME] [--type STANDARD|EXPRESS]
               [--machine [NAME=]FILE]... [--function NAME=PATH|URL]... [--functions FILE] [--connections FILE] [--listen ADDR] [--aws-assume-role] DEFINITION.json
  stepwise test [--junit FILE] [--update] [--run REGEXP] [-v] [--parallel N] [--timeout 1m]
                [--function NAME=PATH|URL]... [--functions FILE] [--connections FILE] [PATH...]
  stepwise validate [--type STANDARD|EXPRESS] DEFINITION.json
  stepwise deploy [--dry-run] [--endpoint http://127.0.0.1:8083] [--stack-name N] [--parameter-overrides K=V ...] [--function LogicalId=NAME ...] TEMPLATE.yaml
  stepwise bench [--executions N] [--clients N] [--endpoint URL] ...
  stepwise backup [--store sqlite:PATH] FILE
  stepwise restore [--store sqlite:PATH] [--force] FILE
  stepwise version

Each command's flags are listed below (and by stepwise COMMAND --help).

aws-sdk tasks call the services' endpoints as the AWS SDKs choose them: AWS_ENDPOINT_URL_<SERVICE>
(AWS_ENDPOINT_URL_DYNAMODB), AWS_ENDPOINT_URL, the shared config file, Step Functions Local's
*_ENDPOINT variables (DYNAMODB_ENDPOINT), else AWS itself, with the default credentials and region.
`

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the process's exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "serve" || args[0] == "bench" {
		setGCPercent()
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "bench":
		return cmdBench(ctx, args[1:], stdout, stderr)
	case "test":
		return cmdTest(ctx, args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "deploy":
		return cmdDeploy(ctx, args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "stepwise", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		writeFlags(ctx, stdout)
		return 0
	}
	fmt.Fprintf(stderr, "stepwise: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// commands are the commands that take flags, in the order the help lists them.
var commands = []string{"serve", "run", "test", "validate", "deploy", "bench", "backup", "restore"}

// writeFlags lists every command's flags, as each command's own --help prints them: the flag
// sets are built inside the commands, so asking them is what keeps this list whole.
func writeFlags(ctx context.Context, w io.Writer) {
	for _, name := range commands {
		var buf bytes.Buffer
		run(ctx, []string{name, "--help"}, nil, io.Discard, &buf)
		text := buf.String()
		if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "Usage of ") {
			text = rest
		}
		fmt.Fprintf(w, "\nstepwise %s:\n%s", name, text)
	}
}

// parseInterspersed parses flags that may come before or after the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// serverGCPercent is the server's garbage-collection target when GOGC is not set. A step
// allocates much (values, events, their JSON text) and keeps little: collecting when the heap
// has grown by 4× its live size rather than Go's default 2× cut the CPU per execution of the
// chain bench by 10-25 % for 20 MB more memory (BENCHMARKS.md). GOGC, when set, wins.
const serverGCPercent = 400

func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}

// commandUsage makes fs's --help start with the command's synopsis from usage (the lines
// for `stepwise NAME`) rather than Go's bare "Usage of NAME:", then lists its flags.
func commandUsage(fs *flag.FlagSet, w io.Writer) {
	fs.Usage = func() {
		var synopsis []string
		lines := strings.Split(usage, "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, "  stepwise "+fs.Name()+" ") && l != "  stepwise "+fs.Name() {
				continue
			}
			synopsis = append(synopsis, strings.TrimPrefix(l, "  "))
			for _, c := range lines[i+1:] {
				if !strings.HasPrefix(c, "    ") {
					break
				}
				synopsis = append(synopsis, "     "+c) // under the synopsis, now 5 columns further right
			}
			break
		}
		if len(synopsis) > 0 {
			fmt.Fprintln(w, "usage: "+strings.Join(synopsis, "\n"))
		} else {
			fmt.Fprintln(w, "usage: stepwise "+fs.Name()+" [flags]")
		}
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
}
