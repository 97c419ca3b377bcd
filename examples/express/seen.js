// Event ids already handled, so a retried delivery is acknowledged but not
// processed twice. In memory and bounded here; a real app would use a unique
// key in its database, which also survives a restart.
export class Seen {
  constructor(limit = 10000) {
    this.limit = limit;
    this.ids = new Set();
  }

  // True the first time an id is offered, false for every repeat.
  add(id) {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      // A Set iterates in insertion order: drop the oldest id.
      this.ids.delete(this.ids.values().next().value);
    }
    return true;
  }
}

// Runs the work after the response has gone out: providers time out slow
// endpoints (and then retry), so acknowledge first. A real app would put the
// event on a queue here.
export function later(work) {
  setImmediate(() => {
    try {
      work();
    } catch (err) {
      console.error("webhook processing failed:", err);
    }
  });
}
