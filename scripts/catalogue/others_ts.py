"""Reads TypeScript declaration files (.d.ts / .d.mts) into type trees.

Helper of scripts/catalogue/others.py (Python 3.11 stdlib only). It knows
the subset of TypeScript that SDK typings use for wire shapes: interfaces
(with `extends` and type parameters), type aliases, enums, `declare const X:
{readonly A: "a"}` tables, object literal types, unions, intersections,
arrays, tuples, string/number literals and indexed access (`Scalars["String"]`).
Everything else (functions, classes' methods, conditional types) is read as
`unknown`, which the example builder fills from the field's name.

A type is a tuple:
  ("kw", "string"|"number"|"boolean"|"null"|"undefined"|"unknown")
  ("lit", value)                      string/number/boolean literal
  ("ref", name, [args])               named type, maybe generic
  ("obj", [(name, optional, type)], index_type_or_None)
  ("arr", type)   ("tuple", [types])
  ("union", [types])   ("inter", [types])
  ("idx", type, key_type)             T["k"]
  ("typeof", "A.B")                   typeof A.B
"""

import re

UNKNOWN = ("kw", "unknown")


class Decls:
    """Named declarations gathered from one or more files."""

    def __init__(self):
        self.types = {}  # name -> (params, type)
        self.enums = {}  # name -> {member: value}
        self.consts = {}  # name -> type (declare const X: {...})

    def add_file(self, path):
        with open(path, encoding="utf-8") as f:
            self.add_text(f.read())

    def add_text(self, text):
        Parser(strip_comments(text), self).declarations()

    def resolve(self, name, args=()):
        """The type a name stands for, with type arguments substituted."""
        base = name.split(".")[-1] if name not in self.types else name
        if base in self.enums:
            return ("union", [("lit", v) for v in self.enums[base].values()])
        entry = self.types.get(base)
        if entry is None:
            return None
        params, body = entry
        if not params:
            return body
        binding = {}
        for i, (pname, default) in enumerate(params):
            binding[pname] = args[i] if i < len(args) else (default or UNKNOWN)
        return substitute(body, binding)


def substitute(t, binding):
    kind = t[0]
    if kind == "ref":
        if t[1] in binding and not t[2]:
            return binding[t[1]]
        return ("ref", t[1], [substitute(a, binding) for a in t[2]])
    if kind == "obj":
        members = [(n, o, substitute(mt, binding)) for n, o, mt in t[1]]
        idx = substitute(t[2], binding) if t[2] else None
        return ("obj", members, idx)
    if kind == "arr":
        return ("arr", substitute(t[1], binding))
    if kind in ("union", "inter", "tuple"):
        return (kind, [substitute(x, binding) for x in t[1]])
    if kind == "idx":
        return ("idx", substitute(t[1], binding), substitute(t[2], binding))
    return t


def strip_comments(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_$][\w$]*)
    | (?P<op>=>|\.\.\.|[{}()\[\]<>;:,|&?=.*+\-!@#%^~/])
    )""",
    re.X,
)


class Parser:
    def __init__(self, text, decls):
        self.toks = []
        pos = 0
        while True:
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            for kind in ("str", "num", "name", "op"):
                v = m.group(kind)
                if v is not None:
                    self.toks.append((kind, v))
                    break
        self.i = 0
        self.decls = decls

    # token helpers
    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def at(self, v, k=0):
        return self.peek(k)[1] == v and self.peek(k)[0] in ("op", "name")

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def expect(self, v):
        t = self.take()
        if t[1] != v:
            raise SyntaxError(f"expected {v!r}, got {t!r} at token {self.i}")
        return t

    def skip_balanced(self):
        """Skips one token, or a whole bracketed group."""
        open_ = self.take()[1]
        close = {"{": "}", "(": ")", "[": "]", "<": ">"}.get(open_)
        if not close:
            return
        depth = 1
        while depth and self.peek()[0] != "eof":
            v = self.take()[1]
            if v == open_:
                depth += 1
            elif v == close:
                depth -= 1

    def skip_statement(self):
        while self.peek()[0] != "eof":
            if self.at(";"):
                self.take()
                return
            if self.at("{"):
                self.skip_balanced()
                if self.at(";"):
                    self.take()
                return
            if self.at("(") or self.at("["):
                self.skip_balanced()
                continue
            self.take()

    # declarations
    def declarations(self):
        while self.peek()[0] != "eof":
            start = self.i
            try:
                self.declaration()
            except SyntaxError:
                self.i = start
                self.skip_statement()

    def declaration(self):
        while self.peek()[1] in ("export", "declare", "default"):
            self.take()
        v = self.peek()[1]
        if v == "interface":
            self.take()
            name = self.take()[1]
            params = self.type_params()
            bases = []
            if self.at("extends"):
                self.take()
                bases.append(self.type_atom())
                while self.at(","):
                    self.take()
                    bases.append(self.type_atom())
            body = self.object_type()
            t = ("inter", bases + [body]) if bases else body
            self.decls.types[name] = (params, t)
        elif v == "type" and self.peek(1)[0] == "name":
            self.take()
            name = self.take()[1]
            params = self.type_params()
            self.expect("=")
            t = self.type_expr()
            self.decls.types[name] = (params, t)
            if self.at(";"):
                self.take()
        elif v == "enum" or (v == "const" and self.at("enum", 1)):
            if v == "const":
                self.take()
            self.take()
            name = self.take()[1]
            self.expect("{")
            members, counter = {}, 0
            while not self.at("}"):
                mname = self.take()[1].strip("\"'")
                if self.at("="):
                    self.take()
                    kind, val = self.take()
                    if kind == "str":
                        members[mname] = val[1:-1]
                    else:
                        counter = float(val) if "." in val else int(val)
                        members[mname] = counter
                else:
                    members[mname] = counter
                counter = counter + 1 if isinstance(counter, int) else counter
                if self.at(","):
                    self.take()
            self.expect("}")
            self.decls.enums[name] = members
        elif v == "const" and self.peek(1)[0] == "name" and self.at(":", 2):
            self.take()
            name = self.take()[1]
            self.expect(":")
            t = self.type_expr()
            self.decls.consts[name] = t
            self.skip_statement()
        elif v == "namespace" or v == "module":
            self.take()
            self.take()
            if self.at("{"):
                self.take()
                while not self.at("}") and self.peek()[0] != "eof":
                    start = self.i
                    try:
                        self.declaration()
                    except SyntaxError:
                        self.i = start
                        self.skip_statement()
                    if self.i == start:
                        self.take()
                if self.at("}"):
                    self.take()
        else:
            self.skip_statement()

    def type_params(self):
        params = []
        if not self.at("<"):
            return params
        self.take()
        while not self.at(">"):
            name = self.take()[1]
            if self.at("extends"):
                self.take()
                self.type_expr()
            default = None
            if self.at("="):
                self.take()
                default = self.type_expr()
            params.append((name, default))
            if self.at(","):
                self.take()
        self.expect(">")
        return params

    # types
    def type_expr(self):
        if self.at("|") or self.at("&"):
            self.take()
        t = self.intersection()
        if self.at("|"):
            parts = [t]
            while self.at("|"):
                self.take()
                parts.append(self.intersection())
            t = ("union", parts)
        return t

    def intersection(self):
        t = self.postfix()
        if self.at("&"):
            parts = [t]
            while self.at("&"):
                self.take()
                parts.append(self.postfix())
            t = ("inter", parts)
        return t

    def postfix(self):
        t = self.type_atom()
        while self.at("["):
            if self.at("]", 1):
                self.take()
                self.take()
                t = ("arr", t)
            else:
                self.take()
                key = self.type_expr()
                self.expect("]")
                t = ("idx", t, key)
        return t

    def type_atom(self):
        kind, v = self.peek()
        if kind == "str":
            self.take()
            return ("lit", v[1:-1])
        if kind == "num":
            self.take()
            return ("lit", float(v) if "." in v else int(v))
        if v == "-" and self.peek(1)[0] == "num":
            self.take()
            n = self.take()[1]
            return ("lit", -(float(n) if "." in n else int(n)))
        if v == "{":
            return self.object_type()
        if v == "(":
            # parenthesised type or function type
            save = self.i
            self.skip_balanced()
            if self.at("=>"):
                self.take()
                self.type_expr()
                return UNKNOWN
            self.i = save
            self.take()
            t = self.type_expr()
            self.expect(")")
            return t
        if v == "[":
            self.take()
            items = []
            while not self.at("]"):
                if self.at("..."):
                    self.take()
                if self.peek()[0] == "name" and self.at(":", 1):
                    self.take()
                    self.take()
                items.append(self.type_expr())
                if self.at("?"):
                    self.take()
                if self.at(","):
                    self.take()
            self.expect("]")
            return ("tuple", items)
        if v == "typeof":
            self.take()
            name = self.take()[1]
            while self.at("."):
                self.take()
                name += "." + self.take()[1]
            return ("typeof", name)
        if v in ("keyof", "readonly", "unique", "infer"):
            self.take()
            t = self.type_atom()
            return UNKNOWN if v in ("keyof", "infer") else t
        if v == "new":
            self.take()
            self.skip_balanced()
            self.expect("=>")
            self.type_expr()
            return UNKNOWN
        if v == "<":
            # generic function type
            self.skip_balanced()
            return self.type_atom()
        if kind == "name":
            self.take()
            if v in ("string", "number", "boolean", "null", "undefined", "unknown",
                     "any", "object", "never", "void", "bigint", "symbol"):
                return ("kw", {"any": "unknown", "object": "unknown", "never": "unknown",
                               "void": "undefined", "bigint": "number",
                               "symbol": "unknown"}.get(v, v))
            if v in ("true", "false"):
                return ("lit", v == "true")
            name = v
            while self.at(".") and self.peek(1)[0] == "name":
                self.take()
                name += "." + self.take()[1]
            args = []
            if self.at("<"):
                self.take()
                while not self.at(">"):
                    args.append(self.type_expr())
                    if self.at(","):
                        self.take()
                self.expect(">")
            return ("ref", name, args)
        raise SyntaxError(f"unexpected {v!r}")

    def object_type(self):
        self.expect("{")
        members, index = [], None
        while not self.at("}"):
            if self.at(";") or self.at(","):
                self.take()
                continue
            while self.peek()[1] in ("readonly", "static", "public", "private",
                                     "protected", "abstract", "declare") and \
                    self.peek(1)[1] not in (":", "?", "(", ";"):
                self.take()
            if self.at("["):
                # index signature [k: string]: T, or mapped type [K in X]: T
                self.take()
                self.take()
                if self.at(":") or self.at("in"):
                    self.take()
                    self.type_expr()
                self.expect("]")
                if self.at("?"):
                    self.take()
                self.expect(":")
                index = self.type_expr()
                continue
            if self.at("(") or self.at("<") or self.at("new"):
                # call signature
                self.skip_statement_in_obj()
                continue
            kind, name = self.take()
            if kind == "str":
                name = name[1:-1]
            optional = False
            if self.at("?"):
                self.take()
                optional = True
            if self.at("(") or self.at("<"):
                self.skip_statement_in_obj()
                continue
            if self.at(":"):
                self.take()
                t = self.type_expr()
            elif self.at("="):
                self.take()
                t = self.type_atom()
            else:
                t = UNKNOWN
            members.append((name, optional, t))
        self.expect("}")
        return ("obj", members, index)

    def skip_statement_in_obj(self):
        while not (self.at(";") or self.at("}")) and self.peek()[0] != "eof":
            if self.peek()[1] in "({[<":
                self.skip_balanced()
            else:
                self.take()
