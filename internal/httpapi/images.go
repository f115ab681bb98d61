package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/erp"
)

// imageReads bounds the ERP queries that image requests run at once, so a
// shop fetching every image of a large catalog cannot crowd out the sync.
const imageReads = 4

var contentHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// images serves GET /images/:hash/*sku_position: the ERP's binary product
// images at the URLs the projection gives the shops (erp.ImagePath). The
// bytes under one URL never change, so shops and proxies may cache forever.
// The route is public, as shops fetch images without credentials; it serves
// only an image whose content hash is the one in the URL.
func images(r erp.ImageReader, log *slog.Logger) gin.HandlerFunc {
	slots := make(chan struct{}, imageReads)
	return func(c *gin.Context) {
		hash := c.Param("hash")
		sku, pos, ok := splitImagePath(c.Param("rest"))
		if !ok || !contentHash.MatchString(hash) {
			c.String(http.StatusNotFound, "no such image\n")
			return
		}
		if c.GetHeader("If-None-Match") == `"`+hash+`"` {
			c.Status(http.StatusNotModified)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-c.Request.Context().Done():
			return
		}
		data, err := r.ImageData(c.Request.Context(), sku, pos, hash)
		switch {
		case errors.Is(err, erp.ErrImageNotFound):
			c.String(http.StatusNotFound, "no such image\n")
			return
		case err != nil:
			if !errors.Is(err, context.Canceled) {
				log.Warn("image read failed", slog.String("sku", sku), slog.Int("position", pos), slog.Any("err", err))
			}
			c.String(http.StatusServiceUnavailable, "the ERP is not reachable\n")
			return
		}
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Header("ETag", `"`+hash+`"`)
		c.Data(http.StatusOK, http.DetectContentType(data), data)
	}
}

// splitImagePath splits "/<sku>/<position>" (the SKU may hold slashes).
func splitImagePath(rest string) (sku string, pos int, ok bool) {
	rest = strings.TrimPrefix(rest, "/")
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", 0, false
	}
	pos, err := strconv.Atoi(rest[i+1:])
	if err != nil || pos < 0 {
		return "", 0, false
	}
	return rest[:i], pos, true
}
