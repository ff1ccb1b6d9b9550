package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crawlbench/crawlbench/bench/resultset"
	"github.com/crawlbench/crawlbench/clients/pitfall"
)

// kindPitfalls is BenchmarkPitfall's table (bench/pitfalls).
const kindPitfalls = "pitfalltable"

// PitfallTable renders a BenchmarkPitfall file: per pitfall, network and
// protocol (a row without a proto key is plain HTTP/1.1), the symptom, what the bad variant measurably cost, the fix and the
// fix's gain-x. Texts come from the clients/pitfall registry; numbers are
// medians over the runs.
func PitfallTable(src source) (string, error) {
	r, err := readBench(src, "Pitfall/")
	if err != nil {
		return "", err
	}
	var nets, protos []string
	for _, name := range r.order {
		if n := key(name, "net"); n != "" && !slices.Contains(nets, n) {
			nets = append(nets, n)
		}
		if p := pitfallProto(name); !slices.Contains(protos, p) {
			protos = append(protos, p)
		}
	}
	slices.Sort(protos) // h1 before h1tls12 before h1tls13
	protoLine := r.config("protos")
	if protoLine == "" {
		protoLine = plainProto + " (HTTP/1.1 plain)" // files from before -protos
	}
	var b strings.Builder
	fmt.Fprintf(&b, "d = %s, -hang-bound %s, protocols %s: `%s` (%s); medians over the runs, per batch of c requests.\n\n",
		r.config(resultset.KeyDelay), r.config("hang-bound"), protoLine, src.name, r.describe())
	b.WriteString("| pitfall | net | proto | symptom | measured cost (bad; fix) | fix | measured gain |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	rows := 0
	for _, name := range pitfall.Names() {
		spec, _ := pitfall.Lookup(name)
		for _, net := range nets {
			for _, proto := range protos {
				seg := ""
				if proto != plainProto {
					seg = "/proto=" + proto
				}
				cell := func(v pitfall.Variant) string {
					return fmt.Sprintf("Pitfall/net=%s%s/pitfall=%s/variant=%s/c=%d", net, seg, name, v, spec.C)
				}
				bad, fix := cell(pitfall.Bad), cell(pitfall.Fix)
				if r.runs(bad) == 0 || r.runs(fix) == 0 {
					continue
				}
				rows++
				fmt.Fprintf(&b, "| %s (c = %d) | %s | %s | %s | %s | %s | %s |\n", name, spec.C, net, proto, spec.Symptom,
					pitfallCost(r, spec, bad, fix), spec.Fix, pitfallGain(r, bad, fix))
			}
		}
	}
	if rows == 0 {
		return "", fmt.Errorf("%s: no pitfall with both its bad and fix rows", src.name)
	}
	return b.String(), nil
}

// plainProto is the protocol of a BenchmarkPitfall row without a proto
// key: plain HTTP/1.1.
const plainProto = "h1"

// pitfallProto returns the protocol of a BenchmarkPitfall row's name.
func pitfallProto(name string) string {
	if p := key(name, "proto"); p != "" {
		return p
	}
	return plainProto
}

// pitfallCost describes the bad row's measured symptom beside the fix's.
func pitfallCost(r *bench, spec pitfall.Spec, bad, fix string) string {
	med := func(name, unit string) (float64, bool) { return r.median(name, unit) }
	pair := func(unit, what string) string {
		vb, okb := med(bad, unit)
		vf, okf := med(fix, unit)
		if !okb || !okf {
			return ""
		}
		return fmt.Sprintf("%.0f %s (%.0f)", vb, what, vf)
	}
	var parts []string
	if sb, ok := med(bad, "sec/op"); ok {
		sf, _ := med(fix, "sec/op")
		parts = append(parts, fmt.Sprintf("batch %s (%s)", seconds(sb), seconds(sf)))
	}
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	switch spec.Name {
	case pitfall.NoTimeout:
		add(pair("hung", "hung until the bound"))
		add(pair("timeout-errors-expected", "timed out"))
	case pitfall.FastHTTPMaxConns:
		add(pair("no-free-conns", "failed: no free connections"))
	case pitfall.ResolvePerConn:
		add(pair("lookups", "lookups"))
	case pitfall.ClientPerRequest, pitfall.BodyUnclosed:
		add(pair("leaked-conns", "connections leaked"))
	}
	if spec.Name != pitfall.FastHTTPMaxConns && spec.Name != pitfall.NoTimeout {
		add(pair("new-conns", "new connections"))
	}
	if tw, ok := med(bad, "time-wait"); ok && tw >= 1 {
		add(pair("time-wait", "TIME_WAIT"))
	}
	return strings.Join(parts, "; ")
}

// pitfallGain formats the fix row's gain-x and what it compares.
func pitfallGain(r *bench, bad, fix string) string {
	g, ok := r.median(fix, "gain-x")
	if !ok {
		return "–"
	}
	basis := "req/s"
	if v, ok := r.median(bad, "req/s"); !ok || v == 0 {
		basis = "sooner (sec/op)"
	}
	return fmt.Sprintf("%.2f× %s", g, basis)
}
