"""The staff web pages at `/admin/` (issue #14): server-rendered Jinja2 pages over hub.items,
hub.accounts and hub.perms, signed in with browser sessions (`hub.admin.sessions`)."""
