package core_test

import (
	"regexp"
	"testing"

	"github.com/hookwatch/hookwatch/core"
)

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/signup", "/signup", true},
		{"/signup", "/signup/", false},
		{"/blog/*", "/blog/hello", true},
		{"/blog/*", "/blog/2024/hello", true},
		{"/blog/*", "/blog", false},
		{"/*/thanks", "/pro/thanks", true},
		{"/*/thanks", "/pro/plan/thanks", true},
		{"/a.b", "/axb", false},
		{"/(x)+", "/(x)+", true},
		{"/p?q", "/p?q", true},
		{"*", "/anything", true},
		{"/blog/**", "/blog/2024/hello", true},
		{"/blog/**", "/blog", false},
		{"/a.b", "/a.b", true},
		{"/a(b*", "/a(bc", true},
		{"/a(b*", "/ab", false},
		// `|` alternates the anchored halves: ^/a|/b$ is "starts with /a,
		// or ends with /b".
		{"/a|/b", "/a", true},
		{"/a|/b", "/about", true},
		{"/a|/b", "/x/b", true},
		{"/a|/b", "/b/x", false},
		{"/a|/b", "/x", false},
		{"/a|/b*", "/b/x", true},
	} {
		if got := core.MatchPath(tc.pattern, tc.path); got != tc.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
		if _, err := regexp.Compile(core.PathPattern(tc.pattern)); err != nil {
			t.Errorf("PathPattern(%q) is not a valid regexp: %v", tc.pattern, err)
		}
	}
}

func TestPathPattern(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/signup", `^/signup$`},
		{"/blog/*", `^/blog/.*$`},
		{"/blog/**", `^/blog/.*$`},
		{"/a|/b", `^/a|/b$`},
		{"/a.b(c)", `^/a\.b\(c\)$`},
		{"/***", `^/.*.*$`},
	} {
		if got := core.PathPattern(tc.path); got != tc.want {
			t.Errorf("PathPattern(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestGoalValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		goal  core.Goal
		field string
		kind  core.GoalKind
	}{
		{"accepts an event goal", core.Goal{EventName: "Signup"}, "", core.GoalEvent},
		{"accepts a page goal with a wildcard", core.Goal{PagePath: "/blog/*"}, "", core.GoalPage},
		{"refuses both kinds", core.Goal{EventName: "A", PagePath: "/a"}, "goal", ""},
		{"refuses neither kind", core.Goal{}, "goal", ""},
		{"refuses a path without a slash", core.Goal{PagePath: "blog"}, "page", ""},
		{"refuses pageview as an event goal", core.Goal{EventName: "pageview"}, "event", ""},
		{"refuses a padded event name", core.Goal{EventName: " Signup"}, "event", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.goal
			err := g.Validate()
			if core.ErrorField(err) != tc.field {
				t.Fatalf("err %v, want field %q", err, tc.field)
			}
			if err == nil && g.Kind != tc.kind {
				t.Errorf("kind %q, want %q", g.Kind, tc.kind)
			}
		})
	}
}
