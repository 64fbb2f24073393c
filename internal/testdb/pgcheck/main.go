// Command pgcheck says, after `make test`, whether the PostgreSQL tests
// ran: go test hides the skip messages of passing packages, and a run that
// silently skipped PostgreSQL must not look like a full one.
package main

import (
	"fmt"
	"os"

	"kundportal/internal/testdb"
)

func main() {
	url, err := testdb.Reachable()
	if err == nil {
		return // quiet: go test's summary stays the last line
	}
	fmt.Fprintf(os.Stderr, `
******************************************************************
*** PostgreSQL at %s is NOT reachable:
***   %v
*** Every PostgreSQL test was SKIPPED; only SQLite was tested.
*** Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
******************************************************************
`, url, err)
	if os.Getenv("CI") == "true" {
		os.Exit(1)
	}
}
