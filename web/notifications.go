package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/domain"
)

// The notifications page: what Tandem told the person (new work, reminders,
// escalations, news of their processes), newest first, those they have not
// seen marked "Unread". The header counts the unread ones on every page. Marking them
// read is the person's own act (a button), never a side effect of opening the
// page: it marks up to the newest one the page showed, so one that arrives
// meanwhile stays unread.

// notificationsPerPage is one page of the list; older ones are a link away.
const notificationsPerPage = 50

// unreadHeader carries the unread count on a page's background refresh, for
// the script to update the header's count, which the refresh does not redraw.
const unreadHeader = "X-Tandem-Unread"

type notificationView struct {
	domain.Notification
	Unread bool
	Link   string // the comment, the task's card or the process's page, when there is one
	Kind   string // in words
	// Subject is the notification's, in the reader's words.
	Subject string
}

type notificationsPage struct {
	Items       []notificationView
	Unread      int
	Newest      uint64 // the ID the mark-read button marks through
	Older       string // the next page's address, when there is one
	First       bool   // the newest page, where the mark-read button is
	CSRF        string
	SeenThrough uint64
	W           *words
	Here        string // this page's address, where marking one read comes back to
}

// notificationList is the API's answer: a page and the caller's read mark.
type notificationList struct {
	Items      []domain.Notification `json:"items"`
	NextCursor string                `json:"next_cursor"`
	domain.NotificationMark
}

func (a *App) notificationRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /notifications", a.authed(a.notifications))
	m.HandleFunc("POST /notifications/seen", a.authed(a.markSeen))
	m.HandleFunc("POST /notifications/{id}/read", a.authed(a.markRead))
}

func (a *App) notifications(w http.ResponseWriter, r *http.Request, s *session) {
	q := url.Values{"limit": {strconv.Itoa(notificationsPerPage)}}
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var l notificationList
	if err := a.api.call(r, s.auth, http.MethodGet, "/notifications", q, nil, &l); err != nil {
		a.fail(w, r, s, err)
		return
	}
	wd, err := a.words(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	subjects := make([]string, len(l.Items))
	for i, n := range l.Items {
		subjects[i] = n.Subject
	}
	a.lookup(r, s, wd, subjects...)
	p := notificationsPage{Unread: l.Unread, CSRF: s.csrf, First: cursor == "", SeenThrough: l.SeenThrough, W: wd, Here: "/notifications"}
	if cursor != "" {
		p.Here += "?" + url.Values{"cursor": {cursor}}.Encode()
	}
	for _, n := range l.Items {
		v := notificationView{Notification: n, Unread: n.ID > l.SeenThrough && n.ReadAt == nil, Kind: notificationKind(n.Kind), Subject: wd.Text(n.Subject)}
		if link := processLink(n.Process, n.ProcessID); link != "" {
			v.Link = link
			switch {
			case n.CommentID != 0:
				v.Link += "#comment-" + strconv.FormatUint(n.CommentID, 10)
			case n.TaskID != "":
				v.Link += "#task-" + url.PathEscape(n.TaskID)
			}
		}
		p.Items = append(p.Items, v)
		p.Newest = max(p.Newest, n.ID)
	}
	if l.NextCursor != "" {
		p.Older = "/notifications?" + url.Values{"cursor": {l.NextCursor}}.Encode()
	}
	s.unread = l.Unread // fresher than the count read before the page
	v := view{Session: s, Title: "Notifications", Nav: "notifications", Poll: true, Data: p}
	v.Notice, v.Problem = a.takeFlash(w, r)
	a.render(w, r, http.StatusOK, "notifications", v)
}

// markSeen marks the person's notifications read up to the newest the page
// showed them.
func (a *App) markSeen(w http.ResponseWriter, r *http.Request, s *session) {
	through, err := strconv.ParseUint(r.PostFormValue("through"), 10, 63)
	if err != nil {
		a.setProblem(w, "Nothing was marked: reload the page and try again.")
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
		return
	}
	if err := a.api.call(r, s.auth, http.MethodPut, "/me/notifications/seen", nil, map[string]uint64{"through": through}, nil); err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.setNotice(w, "All marked as read.")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// markRead marks one notification read and comes back to the page it was
// marked on (only a notifications page: the form names no other place).
func (a *App) markRead(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 63)
	if err != nil || id == 0 {
		a.setProblem(w, "Nothing was marked: reload the page and try again.")
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
		return
	}
	if err := a.api.call(r, s.auth, http.MethodPut, "/me/notifications/"+strconv.FormatUint(id, 10)+"/read", nil, nil, nil); err != nil {
		a.fail(w, r, s, err)
		return
	}
	back := "/notifications"
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/notifications?cursor=") {
		back = b
	}
	http.Redirect(w, r, back+"#note-"+strconv.FormatUint(id, 10), http.StatusSeeOther)
}

// unreadCount reads how many notifications the person has not seen, for the
// header. A count that cannot be read leaves the header without one: the page
// itself says what is wrong when its own reads fail.
func (a *App) unreadCount(r *http.Request, s *session) int {
	var l notificationList
	if err := a.api.call(r, s.auth, http.MethodGet, "/notifications", url.Values{"limit": {"1"}}, nil, &l); err != nil {
		a.log.Warn("unread notifications", "err", err)
		return 0
	}
	return l.Unread
}

// notificationKind says what a notification is about.
func notificationKind(k domain.NotificationKind) string {
	switch k {
	case domain.NotifyAssigned:
		return "Work for you"
	case domain.NotifyReminder:
		return "Reminder"
	case domain.NotifyOverdue:
		return "Overdue"
	case domain.NotifyEscalated:
		return "Escalation"
	case domain.NotifyUpdate:
		return "News"
	case domain.NotifyMention:
		return "Mention"
	case domain.NotifyReply:
		return "Reply"
	}
	return label(k)
}

// unreadLabel is the header's count: "99+" past 99.
func unreadLabel(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}
