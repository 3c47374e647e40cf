"""The lobby queue: numbering, states, HTTP service, counter page (issue: lobby queue). Empty until then."""
