package adf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReferencedImages(t *testing.T) {
	src := `<p>a <img src="cid:image001.png@01D"> b <img src="cid:%3Cshot@x%3E" alt="shot">
	<img src="cid:image001.png@01D"> <img src="cid:pixel@x" width="1" height="1">
	<span style="display:none"><img src="cid:hidden@x"></span> <img src="https://remote/x.png" alt="r"></p>
	<div class="gmail_quote"><img src="cid:quoted@x"></div>`
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"whole mail", Options{}, []string{"image001.png@01D", "shot@x", "quoted@x"}},
		{"without quotes", Options{StripQuotes: true}, []string{"image001.png@01D", "shot@x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReferencedImages(src, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReferencedImages (-want +got):\n%s", diff)
			}
		})
	}
}
