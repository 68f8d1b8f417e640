// Shared by the import targets (included with `include!`): rows as read
// go through the same validation as an import's (`Desired::add_rows`),
// and every problem found is a row error naming a place, never a panic.

fn validate(
    rows: Vec<postier::import::rows::RawRow>,
    mut errors: Vec<postier::import::rows::RowError>,
) {
    let mut desired = postier::import::rows::Desired::default();
    desired.add_rows(rows, &mut errors);
    for e in &errors {
        let _ = e.to_string();
    }
    let _ = desired.wants_generated();
}
