package docscheck

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const docsDir = "../../docs"

// adminDocs are the admin guides whose commands, keys and messages are
// checked against the code.
var adminDocs = []string{"install.md", "comarch.md", "shops.md", "operations.md", "troubleshooting.md"}

// markdown is a document split into what the checks read.
type markdown struct {
	file string
	// spans are the inline code spans outside code blocks and headings,
	// with their line.
	spans []located
	// blocks are fenced code blocks: info string and lines.
	blocks []block
	// headings are "### " headings with their line.
	headings []located
}

type located struct {
	text string
	line int
}

type block struct {
	info  string
	lines []located
}

var spanRe = regexp.MustCompile("`([^`]+)`")

func readMarkdown(t *testing.T, name string) markdown {
	t.Helper()
	f, err := os.Open(filepath.Join(docsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	md := markdown{file: name}
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if cur == nil {
				cur = &block{info: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			} else {
				md.blocks = append(md.blocks, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, located{line, n})
			continue
		}
		if strings.HasPrefix(line, "### ") {
			md.headings = append(md.headings, located{strings.TrimPrefix(line, "### "), n})
			continue
		}
		for _, m := range spanRe.FindAllStringSubmatch(line, -1) {
			md.spans = append(md.spans, located{m[1], n})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s: a code block is not closed", name)
	}
	return md
}
