package resultset

import "strconv"

// The configuration keys of a crawlbench results file, defined once. The
// runner (scripts/resultsfile) writes the Key*AtStart, KeyHost, KeyKernel,
// KeyOS, KeyRunnerGo, KeyRunnerDate, KeyCount and KeyCommand lines before
// `go test` starts; the benchmark binary writes KeyCommit, KeyDirty, KeyGo,
// KeyGOMAXPROCS, KeyNumCPU, KeyDate, KeyDelay, KeyProcs, KeyReqTimeout and
// KeyTarget; `go test` itself writes KeyGOOS, KeyGOARCH, KeyPkg and KeyCPU.
const (
	KeyRunnerDate    = "crawlbench-date"
	KeyHost          = "crawlbench-host"
	KeyKernel        = "crawlbench-kernel"
	KeyOS            = "crawlbench-os"
	KeyRunnerGo      = "crawlbench-go"
	KeyCommitAtStart = "crawlbench-commit-at-start"
	KeyDirtyAtStart  = "crawlbench-dirty-at-start"
	KeyCount         = "crawlbench-count"
	KeyCommand       = "crawlbench-command"
	// KeyIncomplete: "true" on a file whose run did not finish (the runner
	// writes it first and removes the file's temporary name on success).
	KeyIncomplete = "crawlbench-incomplete"
	// KeyIncompleteReason says why a run is marked incomplete.
	KeyIncompleteReason = "crawlbench-incomplete-reason"

	KeyCommit     = "crawlbench-commit"
	KeyDirty      = "crawlbench-dirty"
	KeyGo         = "go"
	KeyGOMAXPROCS = "gomaxprocs"
	KeyNumCPU     = "numcpu"
	KeyDate       = "date"
	KeyDelay      = "delay"
	KeyProcs      = "procs"
	KeyReqTimeout = "req-timeout"
	KeyTarget     = "target"

	KeyGOOS   = "goos"
	KeyGOARCH = "goarch"
	KeyPkg    = "pkg"
	KeyCPU    = "cpu"

	// scripts/peers writes these, with KeyGOMAXPROCS, KeyNumCPU, KeyGOOS
	// and KeyGOARCH, and a KeyPeersToolPrefix+tool line per tool version.
	KeyPeersDuration   = "peers-duration"
	KeyPeersRounds     = "peers-rounds"
	KeyPeersReqTimeout = "peers-req-timeout"
	KeyPeersWrkThreads = "peers-wrk-threads"
	KeyPeersServer     = "peers-server"
	KeyPeersToolPrefix = "peers-tool-"

	// KeyConnCPU is bench/network's calibration: the CPU a new
	// connection's set-up costs, measured at the start of the run. It
	// differs between runs: benchstat comparing two such files must also
	// -ignore it (not in RunKeys, whose list README prints).
	KeyConnCPU = "conn-cpu"
)

// Provenance is what a results file says about the run that produced it,
// read from its configuration lines. Empty fields were not recorded.
type Provenance struct {
	Commit     string // the benchmark binary's commit, else the runner's at start
	Dirty      bool   // the tree had changes to tracked files
	Host       string
	Kernel     string
	OS         string
	Go         string // the binary's Go version, else the runner's
	Date       string // RFC 3339; the binary's, else the runner's
	Command    string
	Count      int
	GOMAXPROCS string
	NumCPU     string
	CPU        string
	GOOS       string
	GOARCH     string
	Pkg        string
	Delay      string
	Procs      string
	ReqTimeout string
	Target     string
	Incomplete bool // KeyIncomplete is "true"
}

// provenanceOf reads a Provenance from a configuration lookup.
func provenanceOf(get func(string) string) Provenance {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := get(k); v != "" && v != "unknown" {
				return v
			}
		}
		return ""
	}
	p := Provenance{
		Commit:     first(KeyCommit, KeyCommitAtStart),
		Host:       get(KeyHost),
		Kernel:     get(KeyKernel),
		OS:         get(KeyOS),
		Go:         first(KeyGo, KeyRunnerGo),
		Date:       first(KeyDate, KeyRunnerDate),
		Command:    get(KeyCommand),
		GOMAXPROCS: get(KeyGOMAXPROCS),
		NumCPU:     get(KeyNumCPU),
		CPU:        get(KeyCPU),
		GOOS:       get(KeyGOOS),
		GOARCH:     get(KeyGOARCH),
		Pkg:        get(KeyPkg),
		Delay:      get(KeyDelay),
		Procs:      get(KeyProcs),
		ReqTimeout: get(KeyReqTimeout),
		Target:     get(KeyTarget),
		Incomplete: get(KeyIncomplete) == "true",
	}
	if get(KeyCommit) != "" && get(KeyCommit) != "unknown" {
		p.Dirty = get(KeyDirty) == "true"
	} else {
		p.Dirty = get(KeyDirtyAtStart) == "true"
	}
	p.Count, _ = strconv.Atoi(get(KeyCount))
	return p
}

// ShortCommit returns the commit's first n characters, "unknown" when none
// was recorded.
func (p Provenance) ShortCommit(n int) string {
	c := p.Commit
	if c == "" {
		return "unknown"
	}
	if len(c) > n {
		c = c[:n]
	}
	return c
}

// RunKeys returns the keys that differ between any two runs of one
// configuration (when, which commit, the exact command, bench/network's
// set-up CPU calibrated at the start of each run): comparing two
// files, benchstat must ignore them (-ignore) or it puts each file in a
// table of its own.
func RunKeys() []string {
	return []string{KeyRunnerDate, KeyCommitAtStart, KeyDirtyAtStart, KeyCommand, KeyCount,
		KeyCommit, KeyDirty, KeyDate, KeyConnCPU}
}
