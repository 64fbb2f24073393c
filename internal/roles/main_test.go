package roles_test

import (
	"testing"

	"kundportal/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
