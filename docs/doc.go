// Package docs holds no code: it is where Tandem's guides live (README.md at the
// repository root links here), and its test checks that every relative link in
// README.md and docs/*.md leads to a file that exists and, when it names a
// section (#anchor), to a heading that exists there, as GitHub makes the
// heading's anchor. Links are the guide's table of contents; a section moved or
// renamed without its links would leave a reader at a dead end.
package docs
