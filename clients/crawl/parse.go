package crawl

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// links is what parsing one page found.
type links struct {
	seen    int64    // <a href> elements
	skipped int64    // hrefs outside the allow list (or unparsable)
	in      []string // in-site URLs, absolute, without #fragment
}

// extract tokenizes body and resolves every <a href> against base, keeping
// those whose host:port is in allow and whose scheme is http.
func extract(body []byte, base *url.URL, allow map[string]int) links {
	var l links
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return l
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if len(name) != 1 || name[0] != 'a' || !hasAttr {
				continue
			}
			for {
				k, v, more := z.TagAttr()
				if string(k) == "href" {
					l.seen++
					if u, ok := resolve(base, string(v), allow); ok {
						l.in = append(l.in, u)
					} else {
						l.skipped++
					}
				}
				if !more {
					break
				}
			}
		}
	}
}

// resolve returns href resolved against base without its fragment, if it
// is an http URL on an allowed host.
func resolve(base *url.URL, href string, allow map[string]int) (string, bool) {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" {
		return "", false
	}
	if _, ok := allow[u.Host]; !ok {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), true
}

// hostOf returns the allow-list index of an absolute URL's host:port.
func hostOf(raw string, allow map[string]int) (int, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	h, ok := allow[rest]
	return h, ok
}
