module github.com/stepwise-run/stepwise

go 1.26.8
