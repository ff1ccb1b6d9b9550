// Package resultset is crawlbench's one way to read results files: it
// opens a file safely (regular files only, size capped), parses it with
// benchfmt, checks it, groups its results with benchproc projections and
// summarises each group with benchmath as benchstat does (median and its
// 95 % confidence interval, AssumeNothing).
//
// Everything a check finds is returned as data, a Problem per finding:
// failed requests (a `--- FAIL`, `REQUESTS FAILED`, a `FAIL` line, an
// errors metric > 0), an incomplete run, NaN or ±Inf values, an empty,
// binary, header-only or benchmark-less file, overhead-x disagreeing with
// sec/op ÷ ideal, a second pkg: line, several GOMAXPROCS. Each reader
// (plots, tables, compare, reproduce) decides which kinds refuse the file
// (Set.Err) and prints the rest as warnings in words.
package resultset
