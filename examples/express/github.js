// POST /webhooks/github, verified with the official @octokit/webhooks.
import express from "express";
import { Webhooks } from "@octokit/webhooks";
import { Seen, later } from "./seen.js";

export function githubRouter(secret) {
  const webhooks = new Webhooks({ secret });
  const seen = new Seen();
  const router = express.Router();
  router
    .route("/webhooks/github")
    // The raw bytes, not express.json(): X-Hub-Signature-256 is over the
    // exact body. GitHub caps payloads at 25 MB.
    .post(express.raw({ type: "application/json", limit: "25mb" }), async (req, res) => {
      if (!req.is("application/json")) return res.status(415).send("expected application/json\n");
      const signature = req.get("x-hub-signature-256");
      if (!signature) return res.status(401).send("missing X-Hub-Signature-256\n");
      // verify() takes a string: GitHub sends UTF-8, which decodes and
      // re-encodes to the same bytes. It compares in constant time.
      const body = req.body.toString("utf8");
      if (!(await webhooks.verify(body, signature))) {
        return res.status(401).send("bad signature\n");
      }
      let payload;
      try {
        payload = JSON.parse(body);
      } catch {
        return res.status(400).send("malformed body\n");
      }
      const name = req.get("x-github-event");
      const delivery = req.get("x-github-delivery");
      if (!name || !delivery || typeof payload !== "object" || payload === null) {
        return res.status(400).send("not a GitHub delivery\n");
      }
      // Sent once when the hook is created: nothing to process.
      if (name === "ping") return res.status(200).send("pong\n");
      if (!seen.add(delivery)) return res.status(200).send("duplicate, already handled\n");
      res.status(200).send("ok\n");
      later(() => console.log(`github: ${name} ${delivery}`));
    })
    .all((req, res) => res.set("Allow", "POST").status(405).send("use POST\n"));
  return router;
}
