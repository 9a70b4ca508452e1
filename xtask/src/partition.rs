//! Splits the generated schemas into the `lusid-models-part-*` crates along
//! the schema dependency graph, so that no single rustc process compiles
//! all 2000 of them (its memory was the peak of a `full` build) and cargo
//! can build the parts in parallel, pipelined.
//!
//! A schema depends on every type its generated file names as
//! `crate::Name` (fields, family members, parents in the docs). Schemas
//! that depend on each other (a strongly connected component) must share a
//! crate. The components that many others use ([`SHARED_FAN_IN`]), with
//! everything they need, form the shared part (`lusid-models-part-1`); the
//! rest are grouped so that each group holds everything it needs outside
//! the shared part, and the groups are dealt to the other parts by size.
//! Those parts depend only on the shared one, so cargo compiles them side by
//! side (a chain of parts would not overlap: a debug build's rustc writes
//! its metadata only shortly before it finishes).
//!
//! The hand-written conveniences (`convenience.rs`) add inherent methods to
//! [`CONVENIENCE_TYPES`], which must therefore be defined in the crate that
//! holds `convenience.rs`: the partition keeps them in one component.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, bail};

/// How many generated part crates the schemas are split into: the shared
/// part and `PARTS - 1` parts that depend only on it.
pub const PARTS: usize = 5;

/// A schema that at least this many others use goes, with everything it
/// needs, to the shared part (part 1). About 30 % of the generated code is
/// then shared, and the rest falls into groups of at most 8 %, dealt to the
/// parallel parts.
const SHARED_FAN_IN: usize = 10;

/// The types `convenience.rs` implements methods on.
pub const CONVENIENCE_TYPES: &[&str] = &["InstrumentDefinition", "PropertyValue", "Property"];

/// One schema's generated file, before partitioning.
pub struct SchemaFile {
    /// The module name (file stem).
    pub module: String,
    /// The unformatted source.
    pub contents: String,
}

/// Marks a component and everything it depends on as shared.
fn mark_shared(own: usize, edges: &[BTreeSet<usize>], shared: &mut [bool]) {
    let mut stack = vec![own];
    while let Some(next) = stack.pop() {
        shared[next] = true;
        stack.extend(
            edges[next]
                .iter()
                .copied()
                .filter(|&target| !shared[target]),
        );
    }
}

/// The outcome: each schema's part, and each part's direct dependencies.
pub struct Partition {
    /// The part index (0-based) of each schema file, in input order.
    pub part_of: Vec<usize>,
    /// The earlier parts each part refers to, by index.
    pub depends_on: Vec<BTreeSet<usize>>,
    /// The part holding [`CONVENIENCE_TYPES`].
    pub convenience_part: usize,
}

/// The type names a file defines (`pub struct X`, `pub enum X`).
fn defined_names(contents: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in contents.lines() {
        let line = line.trim_start();
        for prefix in ["pub struct ", "pub enum "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// The type names a file refers to as `crate::Name`.
fn referenced_names(contents: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = contents;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..end];
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            names.insert(name);
        }
        rest = &after[end..];
    }
    names
}

/// Tarjan's strongly connected components; each node's component index.
/// Components are numbered so that a component's successors come first.
fn components(edges: &[BTreeSet<usize>]) -> Vec<usize> {
    struct State<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        component: Vec<usize>,
        count: usize,
    }
    fn visit(state: &mut State<'_>, node: usize) {
        state.index[node] = Some(state.next);
        state.low[node] = state.next;
        state.next += 1;
        state.stack.push(node);
        state.on_stack[node] = true;
        for &next in state.edges[node].iter() {
            match state.index[next] {
                None => {
                    visit(state, next);
                    state.low[node] = state.low[node].min(state.low[next]);
                }
                Some(index) if state.on_stack[next] => {
                    state.low[node] = state.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(state.low[node]) == state.index[node] {
            while let Some(member) = state.stack.pop() {
                state.on_stack[member] = false;
                state.component[member] = state.count;
                if member == node {
                    break;
                }
            }
            state.count += 1;
        }
    }
    let nodes = edges.len();
    let mut state = State {
        edges,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        component: vec![0; nodes],
        count: 0,
    };
    for node in 0..nodes {
        if state.index[node].is_none() {
            visit(&mut state, node);
        }
    }
    state.component
}

/// Partitions the schema files into [`PARTS`] crates.
///
/// # Errors
/// When a convenience type is not generated, or a file names a type no
/// file defines (a generator bug).
pub fn partition(files: &[SchemaFile], core_names: &[&str]) -> Result<Partition> {
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        for name in defined_names(&file.contents) {
            owner.insert(name, index);
        }
    }
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); files.len()];
    for (index, file) in files.iter().enumerate() {
        for name in referenced_names(&file.contents) {
            match owner.get(name) {
                Some(&target) if target != index => {
                    edges[index].insert(target);
                }
                Some(_) => {}
                None if core_names.contains(&name) => {}
                None => bail!(
                    "{}.rs refers to crate::{name}, which no generated file defines",
                    file.module
                ),
            }
        }
    }
    // The convenience types form a cycle, so they land in one component
    // (with everything on a path between them).
    let mut convenience = Vec::new();
    for name in CONVENIENCE_TYPES {
        let Some(&index) = owner.get(*name) else {
            bail!("convenience.rs implements {name}, which is not generated");
        };
        convenience.push(index);
    }
    for pair in convenience.windows(2) {
        edges[pair[0]].insert(pair[1]);
    }
    if let (Some(&last), Some(&first)) = (convenience.last(), convenience.first()) {
        edges[last].insert(first);
    }

    let component = components(&edges);
    let count = component.iter().copied().max().map_or(0, |max| max + 1);
    let mut size = vec![0usize; count];
    let mut first_module: Vec<Option<&str>> = vec![None; count];
    let mut component_edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); count];
    for (index, file) in files.iter().enumerate() {
        let own = component[index];
        size[own] += file.contents.len();
        let module = file.module.as_str();
        if first_module[own].is_none_or(|first| module < first) {
            first_module[own] = Some(module);
        }
        for &target in &edges[index] {
            if component[target] != own {
                component_edges[own].insert(component[target]);
            }
        }
    }
    // The shared part: every component that many others use, with
    // everything it needs (Tarjan numbers successors first, so a
    // component's dependencies are decided before it).
    let mut fan_in = vec![0usize; count];
    for targets in &component_edges {
        for &target in targets {
            fan_in[target] += 1;
        }
    }
    let mut shared = vec![false; count];
    for own in (0..count).rev() {
        if fan_in[own] >= SHARED_FAN_IN || shared[own] {
            mark_shared(own, &component_edges, &mut shared);
        }
    }
    // The other components, grouped so that a group holds everything it
    // needs outside the shared part; groups are dealt to the parallel parts,
    // largest first, each to the part with the least code so far.
    let mut group: Vec<usize> = (0..count).collect();
    fn find(group: &mut [usize], mut node: usize) -> usize {
        while group[node] != node {
            group[node] = group[group[node]];
            node = group[node];
        }
        node
    }
    for own in 0..count {
        if shared[own] {
            continue;
        }
        for &target in &component_edges[own] {
            if !shared[target] {
                let (a, b) = (find(&mut group, own), find(&mut group, target));
                if a != b {
                    group[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut group_size: BTreeMap<usize, usize> = BTreeMap::new();
    let mut group_first: BTreeMap<usize, &str> = BTreeMap::new();
    for own in 0..count {
        if shared[own] {
            continue;
        }
        let root = find(&mut group, own);
        *group_size.entry(root).or_default() += size[own];
        let first = first_module[own].unwrap_or_default();
        let entry = group_first.entry(root).or_insert(first);
        if first < *entry {
            *entry = first;
        }
    }
    let mut groups: Vec<(usize, usize, &str)> = group_size
        .iter()
        .map(|(&root, &bytes)| (root, bytes, group_first[&root]))
        .collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(b.2)));
    let mut load = [0usize; PARTS];
    let mut part_of_group: BTreeMap<usize, usize> = BTreeMap::new();
    for (root, bytes, _) in groups {
        let part = (1..PARTS)
            .min_by_key(|&part| (load[part], part))
            .unwrap_or(0);
        load[part] += bytes;
        part_of_group.insert(root, part);
    }
    let mut part_of_component = vec![0usize; count];
    for own in 0..count {
        if !shared[own] {
            let root = find(&mut group, own);
            part_of_component[own] = part_of_group.get(&root).copied().unwrap_or(0);
        }
    }
    let part_of: Vec<usize> = component
        .iter()
        .map(|&own| part_of_component[own])
        .collect();
    let mut depends_on = vec![BTreeSet::new(); PARTS];
    for (index, targets) in edges.iter().enumerate() {
        for &target in targets {
            let (from, to) = (part_of[index], part_of[target]);
            if from != to {
                if to != 0 {
                    bail!(
                        "partition bug: {}.rs (part {from}) depends on {}.rs (part {to})",
                        files[index].module,
                        files[target].module
                    );
                }
                depends_on[from].insert(to);
            }
        }
    }
    let convenience_part = part_of[convenience[0]];
    Ok(Partition {
        part_of,
        depends_on,
        convenience_part,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(module: &str, contents: &str) -> SchemaFile {
        SchemaFile {
            module: module.to_owned(),
            contents: contents.to_owned(),
        }
    }

    #[test]
    fn cycles_share_a_part_and_parts_depend_only_on_the_shared_one() {
        let mut files = vec![
            file("a", "pub struct A { b: crate::B }"),
            file("b", "pub struct B { a: Box<crate::A>, n: crate::Number }"),
            file("c", "pub struct C { a: crate::A }"),
            file("d", "pub struct D { c: crate::C }"),
            file("instrument_definition", "pub struct InstrumentDefinition;"),
            file("property_value", "pub struct PropertyValue;"),
            file(
                "property",
                "pub struct Property { v: crate::PropertyValue }",
            ),
        ];
        for index in 0..20 {
            files.push(file(&format!("x{index}"), "pub struct Filler;"));
        }
        let partition = partition(&files, &["Number"]).expect("partition");
        assert_eq!(partition.part_of[0], partition.part_of[1]);
        // C needs A and D needs C: one group, in one part.
        assert_eq!(partition.part_of[2], partition.part_of[0]);
        assert_eq!(partition.part_of[3], partition.part_of[2]);
        assert_eq!(partition.part_of[4], partition.part_of[5]);
        assert_eq!(partition.part_of[5], partition.part_of[6]);
        assert_eq!(partition.convenience_part, partition.part_of[4]);
        for deps in &partition.depends_on {
            assert!(deps.iter().all(|&dep| dep == 0));
        }
    }

    #[test]
    fn widely_used_schemas_and_their_needs_go_to_the_shared_part() {
        let mut files = vec![
            file("hub", "pub struct Hub { l: crate::Leaf }"),
            file("leaf", "pub struct Leaf;"),
            file("instrument_definition", "pub struct InstrumentDefinition;"),
            file("property_value", "pub struct PropertyValue;"),
            file("property", "pub struct Property;"),
        ];
        for index in 0..SHARED_FAN_IN {
            files.push(file(
                &format!("user{index}"),
                &format!("pub struct User{index} {{ h: crate::Hub }}"),
            ));
        }
        let partition = partition(&files, &[]).expect("partition");
        assert_eq!(partition.part_of[0], 0, "the hub");
        assert_eq!(partition.part_of[1], 0, "what the hub needs");
        let users: BTreeSet<usize> = partition.part_of[5..].iter().copied().collect();
        assert!(users.iter().all(|&part| part > 0), "{users:?}");
        assert!(users.len() > 1, "the users are spread: {users:?}");
    }

    #[test]
    fn an_unknown_reference_is_an_error() {
        let files = vec![
            file("a", "pub struct A { b: crate::Missing }"),
            file("instrument_definition", "pub struct InstrumentDefinition;"),
            file("property_value", "pub struct PropertyValue;"),
            file("property", "pub struct Property;"),
        ];
        let error = partition(&files, &[]).err().expect("an error");
        assert!(error.to_string().contains("crate::Missing"), "{error}");
    }
}
