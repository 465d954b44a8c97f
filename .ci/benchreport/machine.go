package main

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the run happened.
func machine(rn *run) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v == "" {
			v = "unknown"
		}
		out = append(out, [2]string{k, v})
	}
	add("CPUs (nproc)", strconv.Itoa(runtime.NumCPU()))
	model := field("/proc/cpuinfo", "model name")
	if model == "" {
		model = rn.cpu
	}
	add("CPU", model)
	if kb := field("/proc/meminfo", "MemTotal"); kb != "" {
		if v, err := strconv.ParseFloat(strings.Fields(kb)[0], 64); err == nil {
			add("Memory", fmt.Sprintf("%.1f GiB", v/(1<<20)))
		}
	}
	// The runs' own kernel when they recorded it (make bench does): the
	// report may be written on another machine of the same kind.
	kernel := rn.env["kernel"]
	if kernel == "" {
		kernel = strings.TrimSpace(readFile("/proc/sys/kernel/ostype")+" "+readFile("/proc/sys/kernel/osrelease")) +
			" (the machine writing the report; the runs did not record theirs)"
	}
	add("Kernel", kernel)
	add("Go", runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	add("ClickHouse", rn.env["clickhouse_version"])
	add("SQLite durability", sqliteSettings())
	var loads []string
	for _, k := range rn.envKeys {
		if name, ok := strings.CutPrefix(k, "loadavg_"); ok {
			loads = append(loads, fmt.Sprintf("%s: %s", name, rn.env[k]))
		}
	}
	// A run that recorded its end says so itself (loadavg_end, above); for
	// an older one, the load now, when the report follows the run.
	if l := strings.Fields(readFile("/proc/loadavg")); len(l) >= 3 && rn.env["loadavg_end"] == "" {
		loads = append(loads, "end: "+strings.Join(l[:3], " "))
	}
	add("Load average (1, 5, 15 min)", strings.Join(loads, "; ")+
		" — the machine was shared with other work; a load above the CPU count slows every figure, baselines included")
	for _, k := range rn.envKeys {
		switch {
		case k == "started":
			add("Run started", rn.env[k])
		case !strings.HasPrefix(k, "loadavg_") && k != "clickhouse_version" && k != "kernel":
			add(k, rn.env[k])
		}
	}
	add("Report written", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	return out
}

// sqliteSettings reads the durability settings from the store's source, so
// that the report says what the figures hold for.
func sqliteSettings() string {
	src := readFile("storage/sqlite/db.go")
	var parts []string
	if m := regexp.MustCompile(`journal_mode\((\w+)\)`).FindStringSubmatch(src); m != nil {
		parts = append(parts, "journal_mode="+m[1])
	}
	if m := regexp.MustCompile(`synchronous\((\w+)\)`).FindStringSubmatch(src); m != nil {
		s := "synchronous=" + m[1]
		if strings.EqualFold(m[1], "NORMAL") {
			s += " (a commit survives a crash of the process, not necessarily a power cut)"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "modernc.org/sqlite, " + strings.Join(parts, ", ")
}

func readFile(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// field returns the value of the first "key : value" line of a /proc file.
func field(path, key string) string {
	for _, line := range strings.Split(readFile(path), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
