/-
veriward's kernel replay, run in a fresh process: `lean --run VeriwardReplay.lean REF PROOF REF_LAST CHK_LAST NONCE`.

REF and PROOF are environments the Lean REPL pickled (`{"pickleTo": …}`): REF right after the reference
statement was declared (before the proof existed), PROOF after the trusted commands. Each pickle holds the
imports and the constants added after them (`REPL.CommandSnapshot.pickle`: imports, `constants.map₂`, the
command state). This program imports the modules afresh, sends every added constant to the kernel
(`Lean.Environment.replay`, as lean4checker and SafeVerify do), and prints one line of facts:

  veriward-replay NONCE {"status": …, …}

It decides nothing; veriward reads the line strictly and judges. Nothing of the proof's elaboration
(syntax, macros, attributes, environment extensions) reaches this process: only constants do.
-/
import Lean

open Lean

/-- The first two components of what `REPL.CommandSnapshot.pickle` writes; the rest is not read. -/
abbrev ReplPickle := Array Import × PHashMap Name ConstantInfo × NonScalar

unsafe def loadPickle (path : System.FilePath) : IO (Array Import × Std.HashMap Name ConstantInfo) := do
  let (obj, _region) ← readModuleData path
  let (imports, consts, _) : ReplPickle := unsafeCast obj
  let mut out : Std.HashMap Name ConstantInfo := {}
  for (n, ci) in consts.toList do
    out := out.insert n ci
  return (imports, out)

def kindOf : ConstantInfo → String
  | .axiomInfo _ => "axiom"
  | .defnInfo _ => "def"
  | .thmInfo _ => "theorem"
  | .opaqueInfo _ => "opaque"
  | .quotInfo _ => "quot"
  | .inductInfo _ => "inductive"
  | .ctorInfo _ => "constructor"
  | .recInfo _ => "recursor"

def lastIs (s : String) : Name → Bool
  | .str _ t => t == s
  | _ => false

def findLast (m : Std.HashMap Name ConstantInfo) (s : String) : Option ConstantInfo :=
  (m.toList.find? fun (n, _) => lastIs s n).map (·.2)

/-- Everything a constant mentions: its type, its value, and for inductive families their parts. -/
def usedBy (ci : ConstantInfo) : Array Name := Id.run do
  let mut out := ci.type.getUsedConstants
  match ci with
  | .defnInfo v => out := out ++ v.value.getUsedConstants
  | .thmInfo v => out := out ++ v.value.getUsedConstants
  | .opaqueInfo v => out := out ++ v.value.getUsedConstants
  | .inductInfo v => out := out ++ v.ctors.toArray
  | .ctorInfo v => out := out.push v.induct
  | .recInfo v =>
    out := out ++ v.all.toArray
    for r in v.rules do
      out := out ++ r.rhs.getUsedConstants
  | _ => pure ()
  return out

/-- The axioms `root` depends on (through the replayed constants and the imported ones), and the names it
mentions that neither holds. -/
def axiomsOf (env : Environment) (added : Std.HashMap Name ConstantInfo) (root : Name) :
    Array Name × Array Name := Id.run do
  let mut seen : NameSet := {}
  let mut todo : Array Name := #[root]
  let mut found : Array Name := #[]
  let mut missing : Array Name := #[]
  while true do
    match todo.back? with
    | none => break
    | some c =>
      todo := todo.pop
      if seen.contains c then continue
      seen := seen.insert c
      match added[c]? <|> env.find? c with
      | some ci =>
        if let .axiomInfo _ := ci then found := found.push c
        todo := todo ++ usedBy ci
      | none => missing := missing.push c
  return (found, missing)

def names (xs : Array Name) : Json := toJson (xs.map (·.toString))

def declJson (n : Name) (ci : ConstantInfo) : Json :=
  Json.mkObj [
    ("name", toJson n.toString),
    ("kind", toJson (kindOf ci)),
    ("unsafe", toJson ci.isUnsafe),
    ("partial", toJson ci.isPartial),
    ("type_consts", names ((ci.type.getUsedConstants).extract 0 200))]

/-- Run `x`; a failure carries `tag` on its first line so that `main` can say which phase failed. -/
def phase {α : Type} (tag : String) (x : IO α) : IO α := do
  try x catch e => throw (IO.userError s!"{tag}\n{e}")

unsafe def run (refPath proofPath refLast chkLast : String) : IO (List (String × Json)) := do
  initSearchPath (← findSysroot)
  let (refImports, refConsts) ← phase "load_failed" (loadPickle refPath)
  let (imports, consts) ← phase "load_failed" (loadPickle proofPath)
  let env ← phase "import_failed" (importModules imports {} 0)
  discard <| phase "kernel_rejected" (env.replay consts)
  let refOrig := findLast refConsts refLast
  let ref := findLast consts refLast
  let chk := findLast consts chkLast
  let refSame := match refOrig, ref with
    | some a, some b => a.type == b.type && a.levelParams == b.levelParams
    | _, _ => false
  let chkIsRef := match refOrig, chk with
    | some r, some c =>
      r.levelParams.length == c.levelParams.length &&
        c.type == r.type.instantiateLevelParams r.levelParams (c.levelParams.map Level.param)
    | _, _ => false
  let (axioms, missing) := match chk with
    | some c => axiomsOf env consts c.name
    | none => (#[], #[])
  let decls := consts.toList.map fun (n, ci) => declJson n ci
  return [
    ("status", toJson "ok"),
    ("replayed", toJson consts.size),
    ("imports_same", toJson (refImports.map (·.module) == imports.map (·.module))),
    ("ref_found", toJson ref.isSome),
    ("ref_same", toJson refSame),
    ("chk_found", toJson chk.isSome),
    ("chk_kind", toJson ((chk.map kindOf).getD "")),
    ("chk_is_ref", toJson chkIsRef),
    ("axioms", names axioms),
    ("missing", names missing),
    ("decls", Json.arr decls.toArray)]

/-- `(status, error)` of a failed phase. -/
def failure (e : IO.Error) : List (String × Json) :=
  match (toString e).splitOn "\n" with
  | tag :: rest =>
    if tag == "load_failed" || tag == "import_failed" || tag == "kernel_rejected" then
      [("status", toJson tag), ("error", toJson ("\n".intercalate rest))]
    else [("status", toJson "load_failed"), ("error", toJson (toString e))]
  | [] => [("status", toJson "load_failed"), ("error", toJson "")]

unsafe def main (args : List String) : IO UInt32 := do
  match args with
  | [refPath, proofPath, refLast, chkLast, nonce] =>
    let mut fields : List (String × Json) := []
    try
      fields ← run refPath proofPath refLast chkLast
    catch e =>
      fields := failure e
    IO.println s!"veriward-replay {nonce} {(Json.mkObj fields).compress}"
    return 0
  | _ =>
    IO.eprintln "usage: lean --run VeriwardReplay.lean REF.olean PROOF.olean REF_LAST CHK_LAST NONCE"
    return 2
