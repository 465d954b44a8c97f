package clickhouse

// The statement budget, shared by every reader. max_query_size (262,144
// bytes) bounds a statement's text, and the driver binds values inline, so
// a long IN list or many long goal names can make a statement the server
// refuses, and a read-only user cannot raise the limit. Each reader splits
// its work so that the values one statement binds cost at most
// maxBoundBytes, counted at their worst rendering; the rest of the limit
// is left to the SQL around them, which is a few kilobytes at most.
const (
	maxBoundBytes = 192 << 10
	// maxSiteBytes is a site list's share of the budget, so that a
	// statement with many sites still has room for goal lanes.
	maxSiteBytes = maxBoundBytes / 4
	// siteCost is a site id in an IN list: up to 20 digits and ", ".
	siteCost = 22
	// laneCost is a lane number in an array: up to 10 digits and ", ".
	laneCost = 12
	// patternSQLCost is the SQL text a regular expression's lane adds
	// beside its bound pattern.
	patternSQLCost = 48
)

// stringCost is what string s costs as a bound value: quoted, every byte
// escaped at worst, and its separator.
func stringCost(s string) int { return 2*len(s) + 4 }

// siteChunks splits site ids into lists that each stay within
// maxSiteBytes, in order. No ids give no lists.
func siteChunks(ids []uint64) [][]uint64 {
	const per = maxSiteBytes / siteCost
	var out [][]uint64
	for len(ids) > 0 {
		n := min(len(ids), per)
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}
