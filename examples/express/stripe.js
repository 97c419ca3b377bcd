// POST /webhooks/stripe, verified with the official stripe library.
import express from "express";
import Stripe from "stripe";
import { Seen, later } from "./seen.js";

// constructEvent refuses timestamps older than this; it accepts future ones,
// so the handler refuses those itself (a clock never runs 5 minutes ahead).
const TOLERANCE_SECS = 300;

export function stripeRouter(secret) {
  const seen = new Seen();
  const router = express.Router();
  router
    .route("/webhooks/stripe")
    // The raw bytes, not express.json(): the signature is over the exact
    // body, and a parsed-then-reserialized one no longer matches.
    .post(express.raw({ type: "application/json", limit: "1mb" }), (req, res) => {
      if (!req.is("application/json")) return res.status(415).send("expected application/json\n");
      const header = req.get("stripe-signature");
      if (!header) return res.status(401).send("missing Stripe-Signature\n");
      let event;
      try {
        event = Stripe.webhooks.constructEvent(req.body, header, secret, TOLERANCE_SECS);
      } catch (err) {
        // Signed, but not JSON: constructEvent parses only after verifying.
        if (err instanceof SyntaxError) return res.status(400).send("malformed body\n");
        // StripeSignatureVerificationError, or the plain Error stripe throws
        // for an empty `v1=`: either way the signature is the problem.
        return res.status(401).send("bad signature\n");
      }
      const signedAt = Number(/(?:^|,)\s*t=(\d+)/.exec(header)?.[1]);
      if (signedAt > Date.now() / 1000 + TOLERANCE_SECS) {
        return res.status(400).send("timestamp in the future\n");
      }
      if (typeof event?.id !== "string" || typeof event.type !== "string") {
        return res.status(400).send("not a Stripe event\n");
      }
      if (!seen.add(event.id)) return res.status(200).send("duplicate, already handled\n");
      res.status(200).send("ok\n");
      later(() => console.log(`stripe: ${event.type} ${event.id}`));
    })
    .all((req, res) => res.set("Allow", "POST").status(405).send("use POST\n"));
  return router;
}
