package config

import (
	"strings"
	"testing"
	"time"

	"kundportal/internal/admission"
)

// TestAdmission: the defaults unless set; 0 concurrent requests turns the
// limit off and 0 queued refuses whoever must wait; bad values are named.
func TestAdmission(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Admission != admission.DefaultLimits() || c.Admission.Concurrent <= 0 {
		t.Fatalf("defaults %+v, want %+v", c.Admission, admission.DefaultLimits())
	}
	c, err = FromEnv(env(map[string]string{"MAX_CONCURRENT_REQUESTS": "0", "MAX_QUEUED_REQUESTS": "0", "REQUEST_QUEUE_TIMEOUT": "500ms", "SLOW_REQUEST_AFTER": "1s"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Admission != (admission.Limits{Queue: 0, Wait: 500 * time.Millisecond, Slow: time.Second}) || admission.New(c.Admission) != nil {
		t.Fatalf("got %+v, want no limit, no queue, 500ms, 1s", c.Admission)
	}
	_, err = FromEnv(env(map[string]string{"MAX_CONCURRENT_REQUESTS": "-1", "MAX_QUEUED_REQUESTS": "many", "REQUEST_QUEUE_TIMEOUT": "0", "SLOW_REQUEST_AFTER": "soon"}))
	for _, name := range []string{"MAX_CONCURRENT_REQUESTS", "MAX_QUEUED_REQUESTS", "REQUEST_QUEUE_TIMEOUT", "SLOW_REQUEST_AFTER"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}
