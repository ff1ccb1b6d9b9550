package site

import (
	"slices"
	"strconv"
	"strings"
)

// Graph is a site's link structure: Out[i] lists the in-site pages page i
// links to, in document order (with repeats, as a page may link twice).
type Graph struct {
	Pages, Hosts int
	Out          [][]int32
	// Frag[i][n] says the n-th link of page i carries a #fragment.
	Frag [][]bool
}

// rng is splitmix64: small, fast, deterministic.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in 0..n-1 (n > 0).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// NewGraph generates the link graph of c (after WithDefaults): page i > 0
// gets a parent drawn uniformly from pages 0..i-1, so every page is
// reachable from page 0; each page then links to its children and, up to
// Links in all, to random pages, half of them on its own host. Loop pages
// link only to themselves and to page 0.
func NewGraph(c Config) *Graph {
	c = c.WithDefaults()
	g := &Graph{Pages: c.Pages, Hosts: c.Hosts, Out: make([][]int32, c.Pages), Frag: make([][]bool, c.Pages)}
	r := rng{s: c.Seed ^ 0x5157e}
	for i := 1; i < c.Pages; i++ {
		p := r.intn(i)
		g.Out[p] = append(g.Out[p], int32(i))
	}
	for i := range c.Pages {
		pr := rng{s: c.Seed*0x100000001b3 + uint64(i)}
		if slices.Contains(c.Loop, i) {
			// Loop pages keep their tree children, so the rest of the site
			// stays reachable, and add the loop.
			g.Out[i] = append(g.Out[i], int32(i), 0, int32(i))
		}
		for len(g.Out[i]) < c.Links {
			var j int
			if c.Hosts > 1 && pr.intn(2) == 0 {
				// Same host: pages i mod H, i mod H + H, ...
				n := (c.Pages - i%c.Hosts + c.Hosts - 1) / c.Hosts
				j = i%c.Hosts + c.Hosts*pr.intn(n)
			} else {
				j = pr.intn(c.Pages)
			}
			g.Out[i] = append(g.Out[i], int32(j))
		}
		// Shuffle so the tree links are not all first.
		out := g.Out[i]
		for k := len(out) - 1; k > 0; k-- {
			m := pr.intn(k + 1)
			out[k], out[m] = out[m], out[k]
		}
		g.Frag[i] = make([]bool, len(out))
		for k := range out {
			g.Frag[i][k] = pr.intn(8) == 0
		}
	}
	return g
}

// Levels returns the sizes of the breadth-first levels from page 0: how
// many pages are first reached after 0, 1, 2, ... hops. Pages in skip
// (not HTML, too large: their links are never read) are counted in their
// level but not expanded. The sizes add up to the pages reachable.
func (g *Graph) Levels(skip ...int) []int {
	var sizes []int
	for _, l := range g.LevelsByHost(skip...) {
		n := 0
		for _, x := range l {
			n += x
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// LevelsByHost is Levels split by host: element [l][h] counts the pages of
// level l on host h (page i is on host i mod Hosts).
func (g *Graph) LevelsByHost(skip ...int) [][]int {
	seen := make([]bool, g.Pages)
	level := []int32{0}
	seen[0] = true
	var sizes [][]int
	for len(level) > 0 {
		row := make([]int, g.Hosts)
		var next []int32
		for _, p := range level {
			row[int(p)%g.Hosts]++
			if slices.Contains(skip, int(p)) {
				continue
			}
			for _, q := range g.Out[p] {
				if !seen[q] {
					seen[q] = true
					next = append(next, q)
				}
			}
		}
		sizes = append(sizes, row)
		level = next
	}
	return sizes
}

// Levels returns the breadth-first level sizes of c's generated graph (see
// Graph.Levels), skipping the links of its NotHTML and Huge pages.
func Levels(c Config) []int {
	return NewGraph(c).Levels(append(append([]int(nil), c.NotHTML...), c.Huge...)...)
}

// LevelsByHost is Levels split by host (see Graph.LevelsByHost): the input
// of bench/model's crawl roofline.
func LevelsByHost(c Config) [][]int {
	return NewGraph(c).LevelsByHost(append(append([]int(nil), c.NotHTML...), c.Huge...)...)
}

// words is the filler vocabulary.
var words = strings.Fields(`the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three`)

// render writes page i's HTML, about size bytes, to b. hostURL(j) is the
// absolute base URL (http://127.0.0.1:PORT) of page j's host.
func (g *Graph) render(b *strings.Builder, c Config, i int, size int, hostURL func(j int) string) {
	r := rng{s: c.Seed*0x9e3779b97f4a7c15 + uint64(i)*31 + 7}
	word := func() string { return words[r.intn(len(words))] }
	b.Grow(size + 1024)
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Page ")
	b.WriteString(strconv.Itoa(i))
	b.WriteString(" &middot; crawlbench site</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n<style>body{font-family:sans-serif;margin:0 auto;max-width:60em}.nav li{display:inline;margin-right:1em}.card{border:1px solid #ddd;padding:.5em}</style>\n<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>\n</head>\n<body class=\"page\">\n<header><nav class=\"nav\"><ul>\n")
	my := i % g.Hosts
	for k, j := range g.Out[i] {
		b.WriteString("<li class=\"item\"><a href=\"")
		if int(j)%g.Hosts != my {
			b.WriteString(hostURL(int(j)))
		}
		b.WriteString("/p/")
		b.WriteString(strconv.Itoa(int(j)))
		if g.Frag[i][k] {
			b.WriteString("#s")
			b.WriteString(strconv.Itoa(k))
		}
		b.WriteString("\" title=\"")
		b.WriteString(word())
		b.WriteString("\">")
		b.WriteString(word())
		b.WriteString(" ")
		b.WriteString(word())
		b.WriteString("</a></li>\n")
	}
	b.WriteString("</ul></nav></header>\n<main>\n")
	external := []string{"https://example.com/about?id=", "mailto:webmaster@example.com?subject=", "#top", "javascript:void(0)//", "http://example.org:8080/p/"}
	for k := range c.External {
		e := external[(i+k)%len(external)]
		b.WriteString("<p><a rel=\"nofollow\" href=\"")
		b.WriteString(e)
		if strings.HasSuffix(e, "=") || strings.HasSuffix(e, "/") {
			b.WriteString(strconv.Itoa(i))
		}
		b.WriteString("\">elsewhere</a></p>\n")
	}
	for n := 0; b.Len() < size-200; n++ {
		b.WriteString("<div class=\"card\" id=\"c")
		b.WriteString(strconv.Itoa(n))
		b.WriteString("\"><h2>")
		b.WriteString(word())
		b.WriteString(" ")
		b.WriteString(word())
		b.WriteString("</h2>\n<p>")
		for w := 0; w < 40 && b.Len() < size-200; w++ {
			if w%13 == 12 {
				b.WriteString("<em>")
				b.WriteString(word())
				b.WriteString("</em> ")
				continue
			}
			b.WriteString(word())
			b.WriteByte(' ')
		}
		b.WriteString("</p>\n<img src=\"/img/")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(".png\" alt=\"\" width=\"64\" height=\"64\"></div>\n")
	}
	b.WriteString("</main>\n<footer><p>&copy; crawlbench</p></footer>\n</body>\n</html>\n")
}
