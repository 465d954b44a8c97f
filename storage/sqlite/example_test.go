package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hookwatch/hookwatch/core"
	"github.com/hookwatch/hookwatch/storage/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "hookwatch-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(filepath.Join(dir, "hookwatch.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	ctx := context.Background()
	sites := sqlite.NewSiteService(db)
	if err := sites.CreateSite(ctx, &core.Site{Domain: "example.com", PlausibleID: 1}); err != nil {
		panic(err)
	}
	err = sites.CreateSite(ctx, &core.Site{Domain: "example.org", PlausibleID: 1})
	fmt.Println(core.ErrorCode(err), "-", core.ErrorMessage(err))
	// Output: conflict - site_id: site_id 1 is already used by example.com
}
