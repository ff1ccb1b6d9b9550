package serverproc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crawlbench/crawlbench/servers"
)

// FetchBursts returns the bursts of the slowserver at baseURL that began
// at or after since (CLOCK_MONOTONIC ns), from GET /_stats/bursts, with
// its overflow flag. baseURL must be on loopback.
func FetchBursts(ctx context.Context, baseURL string, since int64) (servers.BurstLog, error) {
	var l servers.BurstLog
	path := servers.BurstsPath + "?" + url.Values{"since": {strconv.FormatInt(since, 10)}}.Encode()
	body, err := doLimit(ctx, http.MethodGet, baseURL, path, http.StatusOK, maxBurstsBody)
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return l, fmt.Errorf("serverproc: bursts from %s: decoding %q: %w", baseURL, snippet(body), err)
	}
	return l, nil
}

// maxBurstsBody bounds the bursts response read: a full ring is about
// 120 bytes a burst.
const maxBurstsBody = 4 << 20
