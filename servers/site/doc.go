// Package site serves a deterministic generated web site for the crawl
// benchmark (issue 11; the contract is notes/SITE.md): P pages over H hosts,
// each host its own loopback listener, page i on host i mod H at /p/<i>.
//
// The link graph is a pure function of Config.Seed (see [NewGraph]): every
// page is reachable from page 0, each page carries about L links, half to
// pages of its own host (root-relative hrefs, some with a #fragment) and the
// rest to any page (absolute hrefs when on another host), plus a few links
// out of the site (https://example.com/..., mailto:, #frag, javascript:).
// A page is rendered on request as an HTML document of about Config.PageBytes
// bytes of realistic markup, optionally gzipped.
//
// Each host has the slow server's semantics: at most Capacity requests in
// service at once (the rest queue FIFO), each waiting a delay drawn by
// servers.DrawDelay from the page's index, so a page's delay does not depend
// on arrival order. Every page has a fetch counter; GET /_site on any host
// returns them with the hosts' URLs as JSON ([Status]), POST /_site/reset
// zeroes them. Bad pages for tests (not HTML, too large, a link loop, a host
// that refuses connections) are chosen in Config.
//
// Package sitecmd runs a Site in a process of its own.
package site
