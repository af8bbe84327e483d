package console_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// geometryJS measures the graph: the box, the SVG window in it, the drawing (the viewport
// group) in the SVG, and the window's height.
const geometryJS = `(() => {
  const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const box = document.getElementById("graph"), svg = box.querySelector("svg");
  return {box: r(box), svg: r(svg), drawing: r(svg.querySelector("g.viewport")), overflow: [box.scrollWidth - box.clientWidth, box.scrollHeight - box.clientHeight], window: [innerWidth, innerHeight]};
})()`

// centreOf is the middle of an element, in the page's viewport.
func centreOf(b *browser, sel string) (x, y float64) {
	b.t.Helper()
	c, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
		`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2, r.width]; })()`, jsString(sel))))
	if err != nil || len(c) != 3 {
		b.t.Fatalf("the centre of %s: %v %v", sel, c, err)
	}
	return c[0], c[1]
}

// wheel sets a wheel event's deltas. DevTools wants deltaX, which cdproto leaves out when it
// is 0: a thousandth of a pixel stands for it.
func wheel(dy float64) chromedp.MouseOption {
	return func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 0.001, dy }
}

func (b *browser) num(expr string) float64 {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// mouseDrag presses the left button at (x, y), moves by (dx, dy) in steps and releases.
func mouseDrag(x, y, dx, dy float64) []chromedp.Action[chromedp.Void] {
	left := func(p *input.DispatchMouseEventParams) {
		p.Button = input.MouseButtonLeft
		p.Buttons = 1
		p.ClickCount = 1
	}
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MouseMoved, x, y), chromedp.MouseEvent(chromedp.MousePressed, x, y, left)}
	for i := 1; i <= 5; i++ {
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x+dx*float64(i)/5, y+dy*float64(i)/5, left))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x+dx, y+dy, left))
	return steps
}

// TestBrowserGraph zooms and pans the graph of the 100-state machine: it opens fitted to its
// box, the buttons and the keys +, - and 0 zoom and fit, the wheel zooms around the pointer,
// a drag (on the background or on a state) pans and selects nothing, a click and Enter still
// select.
func TestBrowserGraph(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "hundred", "roleArn": roleArn, "definition": hundredStates()})
	b := openBrowser(t)
	zoom := func() float64 { return b.num(`Number(document.querySelector("#graph svg").dataset.zoom)`) }
	transform := func() string { return b.str(`document.querySelector("#graph g.viewport").getAttribute("transform")`) }
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: %.4f, want %.4f", what, got, want)
		}
	}

	// Fitted: the whole drawing inside the SVG, the SVG inside its box, nothing overflows,
	// and the SVG no taller than 80% of the window (the graph is 10,000 px tall drawn).
	b.do("open the 100-state machine", chromedp.Navigate(smPage(base, "hundred")), b.visible(`#graph g.node[data-state="S99"]`))
	b.waitJS("the graph is fitted", `document.querySelector('#graph svg[data-fitted="true"]') !== null`)
	g, err := chromedp.Run(b.ctx, chromedp.Evaluate[map[string][]float64](geometryJS))
	if err != nil {
		t.Fatal(err)
	}
	inside := func(in, out []float64) bool {
		return in[0] >= out[0]-1 && in[1] >= out[1]-1 && in[2] <= out[2]+1 && in[3] <= out[3]+1
	}
	if !inside(g["drawing"], g["svg"]) || !inside(g["svg"], g["box"]) || g["overflow"][0] > 0 || g["overflow"][1] > 0 ||
		g["svg"][3]-g["svg"][1] > 0.8*g["window"][1]+1 {
		t.Errorf("the fitted graph does not fit: %v", g)
	}
	if h, svgH := g["drawing"][3]-g["drawing"][1], g["svg"][3]-g["svg"][1]; h < 0.9*svgH {
		t.Errorf("the fitted drawing is %.0f px tall in a window of %.0f: not fitted, shrunk", h, svgH)
	}
	fitted := zoom()
	if fitted <= 0 || fitted >= 0.2 {
		t.Errorf("fitted zoom %v, want well under 1 for 10,000 px", fitted)
	}
	b.shot("console-graph-fit.png")

	// The buttons.
	before := transform()
	b.do("zoom in", b.click("#zoom-in"))
	near("zoom after +", zoom(), fitted*1.25, 0.002)
	if after := transform(); after == before || !strings.Contains(after, "scale(") {
		t.Errorf("zoom in: the transform is %q, was %q", after, before)
	}
	if f := b.str(`document.querySelector("#graph svg").dataset.fitted`); f != "false" {
		t.Errorf("zoomed, data-fitted is %q", f)
	}
	b.do("zoom out", b.click("#zoom-out"), b.click("#zoom-out"))
	near("zoom after + - -", zoom(), fitted/1.25, 0.002)
	b.do("fit", b.click("#zoom-fit"))
	near("zoom after Fit", zoom(), fitted, 0.0005)
	if after := transform(); after != before {
		t.Errorf("Fit: the transform is %q, want %q as opened", after, before)
	}

	// The keys, with the focus in the graph.
	b.do("+ + - with the keyboard", chromedp.Focus(chromedp.CSS("#graph svg")), chromedp.KeyEvent("+"), chromedp.KeyEvent("+"), chromedp.KeyEvent("-"))
	near("zoom after + + -", zoom(), fitted*1.25, 0.002)
	b.do("0 with the keyboard", chromedp.KeyEvent("0"))
	near("zoom after 0", zoom(), fitted, 0.0005)

	// The wheel zooms around the pointer: S0 stays under it.
	b.do("scroll the graph into view", chromedp.ScrollIntoView(chromedp.CSS("#graph")))
	// The wheel zooms around the pointer: S0 stays under it (at whole pixels, as the mouse
	// is); zooming by f, its centre moves f times further from the pointer.
	x, y := centreOf(b, `#graph g.node[data-state="S0"] rect.box`)
	px, py := math.Round(x), math.Round(y)
	b.do("wheel up over S0", chromedp.MouseEvent(chromedp.MouseWheel, px, py, wheel(-1200)))
	b.waitJS("the wheel zooms", `Number(document.querySelector("#graph svg").dataset.zoom) > 0.5`)
	f := math.Exp(2.4)
	near("zoom after the wheel", zoom(), fitted*f, 0.01)
	x2, y2 := centreOf(b, `#graph g.node[data-state="S0"] rect.box`)
	if math.Hypot(x2-px-(x-px)*f, y2-py-(y-py)*f) > 1 {
		t.Errorf("S0 moved from (%.1f, %.1f) to (%.1f, %.1f), zooming by %.2f at (%.0f, %.0f)", x, y, x2, y2, f, px, py)
	}

	// A drag on the background pans.
	bg, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](`(() => {
  const svg = document.querySelector("#graph svg"), r = svg.getBoundingClientRect();
  for (let y = r.top + 20; y < r.bottom - 20; y += 10)
    for (let x = r.left + 10; x < r.right - 10; x += 10)
      if (document.elementFromPoint(x, y) === svg) return [x, y];
  return [];
})()`))
	if err != nil || len(bg) != 2 {
		t.Fatalf("no background to drag: %v %v", bg, err)
	}
	sx, sy := centreOf(b, `#graph g.node[data-state="S1"] rect.box`)
	b.do("drag the background", mouseDrag(bg[0], bg[1], -60, 40)...)
	if x3, y3 := centreOf(b, `#graph g.node[data-state="S1"] rect.box`); math.Abs(x3-sx+60) > 1 || math.Abs(y3-sy-40) > 1 {
		t.Errorf("a background drag by (-60, 40) moved S1 from (%.1f, %.1f) to (%.1f, %.1f)", sx, sy, x3, y3)
	}

	// A drag that starts on a state pans too, and does not select it.
	sx, sy = centreOf(b, `#graph g.node[data-state="S1"] rect.box`)
	b.do("drag from S1", mouseDrag(sx, sy, 80, 50)...)
	if x3, y3 := centreOf(b, `#graph g.node[data-state="S1"] rect.box`); math.Abs(x3-sx-80) > 1 || math.Abs(y3-sy-50) > 1 {
		t.Errorf("a drag by (80, 50) from S1 moved it from (%.1f, %.1f) to (%.1f, %.1f)", sx, sy, x3, y3)
	}
	if sel := b.str(`String(document.querySelectorAll("#graph g.node.selected").length) + " " + String(document.getElementById("state-def").hidden)`); sel != "0 true" {
		t.Errorf("after a drag from S1: %s selected, state definition hidden: want 0 true", sel)
	}

	// A click still selects (the mouse pressed and released in place), and so does Enter.
	cx, cy := centreOf(b, `#graph g.node[data-state="S1"] rect.box`)
	b.do("click S1", chromedp.MouseClickXY(cx, cy), b.visible("#state-def"))
	if got := b.text("#state-def h3"); got != "S1" {
		t.Errorf("clicked S1, the definition shown is %q", got)
	}
	if got := b.str(`document.querySelector("#graph g.node.selected")?.dataset.state ?? ""`); got != "S1" {
		t.Errorf("clicked S1, selected %q", got)
	}
	b.shot("console-100-states.png")
	// A click on a state half out of the window selects it (and does not pan it first).
	svgLeft := b.num(`document.querySelector("#graph svg").getBoundingClientRect().left`)
	sx, sy = centreOf(b, `#graph g.node[data-state="S3"] rect.box`)
	b.do("drag S3 half out on the left", mouseDrag(sx, sy-30, svgLeft+4-sx, 0)...)
	sx, sy = centreOf(b, `#graph g.node[data-state="S3"] rect.box`)
	if math.Abs(sx-svgLeft-4) > 1 {
		t.Fatalf("S3 is at %.1f, want the graph's left edge %.1f + 4", sx, svgLeft)
	}
	b.do("click S3 at the edge", chromedp.MouseClickXY(math.Round(svgLeft+8), math.Round(sy)))
	b.waitJS("S3 selected", `document.querySelector("#state-def h3")?.textContent === "S3"`)
	b.do("Enter on S2", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="S2"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("S2 selected", `document.querySelector("#state-def h3")?.textContent === "S2"`)

	// A state reached with Tab outside the window is panned into it.
	b.do("focus S40", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="S40"]`)))
	inView := b.str(`(() => { const a = document.querySelector('#graph g.node[data-state="S40"]').getBoundingClientRect(), s = document.querySelector("#graph svg").getBoundingClientRect();
  return String(a.top >= s.top && a.bottom <= s.bottom && a.left >= s.left && a.right <= s.right); })()`)
	if inView != "true" {
		t.Error("S40, focused, is outside the graph's window")
	}
	fitsPhone(b, "the state machine page with its graph")
	b.check()
}
