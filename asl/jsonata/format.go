package jsonata

import (
	"time"
)

func formatInteger(n float64, picture string) (any, error) {
	return nil, argErr("D3130", "$formatInteger picture %q is not supported", picture)
}

func parseInteger(s, picture string) (any, error) {
	return nil, argErr("D3130", "$parseInteger picture %q is not supported", picture)
}

func formatDateTime(t time.Time, picture string) (any, error) {
	return nil, argErr("D3130", "date/time picture %q is not supported", picture)
}

func parseDateTime(s, picture string) (any, error) {
	return nil, argErr("D3130", "date/time picture %q is not supported", picture)
}

func formatNumberPicture(f float64, picture string, opts map[string]any) (any, error) {
	return nil, argErr("D3080", "picture %q is not supported", picture)
}
