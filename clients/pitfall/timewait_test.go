package pitfall

import "testing"

func TestCountTimeWait(t *testing.T) {
	table := []byte(`  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:1F90 06 00000000:00000000 03:00000F9B 00000000     0        0 0 3 0000000000000000
   2: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00000F9B 00000000     0        0 0 3 0000000000000000
   3: 0100007F:1F91 0100007F:D433 06 00000000:00000000 03:00000F9B 00000000     0        0 0 3 0000000000000000
   4: 0100007F:1F90 0100007F:D434 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000
`)
	n, err := countTimeWait(table, 0x1F90)
	if err != nil || n != 2 {
		t.Errorf("countTimeWait = %d, %v; want 2 (one each way; not another port, not ESTABLISHED or LISTEN)", n, err)
	}
	if _, err := countTimeWait([]byte("header\n 1: 0100007F:ZZ 0100007F:D434 06\n"), 80); err == nil {
		t.Error("a malformed port: no error")
	}
	if _, err := TimeWait(0); err == nil {
		t.Error("TimeWait(0): no error")
	}
}
