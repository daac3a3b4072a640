//! The course list and catalog search: PostgreSQL full-text search over titles and summaries,
//! newest first like the catalog itself, with the last word matched as a prefix so results follow
//! typing. Title suggestions, six at most, are ranked by relevance.

use domain::course::{CourseQuery, CourseView};
use domain::dto::Page;
use domain::CourseStatus;

use super::estimates::estimate;
use super::{course_view, CourseRow, DEFAULT_PER_PAGE};
use crate::db::{in_tx, TenantTx};
use crate::paging::Window;
use crate::{Caller, ServiceError, Store};

/// A `to_tsquery` text built from the words of `q`: letters and digits only, so nothing the user
/// types is read as tsquery syntax; the last word ends in `:*`, a prefix.
pub fn prefix_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect();
    let (last, rest) = words.split_last()?;
    let mut query = rest.join(" & ");
    if !query.is_empty() {
        query.push_str(" & ");
    }
    query.push_str(last);
    query.push_str(":*");
    Some(query)
}

pub async fn list(
    caller: &Caller,
    store: &Store,
    query: CourseQuery,
) -> Result<Page<CourseView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, query))
}

/// The longest search the catalog takes, as the document's `maxLength` says.
const MAX_QUERY_CHARS: usize = 200;

pub async fn list_in(
    tx: &mut TenantTx,
    query: CourseQuery,
) -> Result<Page<CourseView>, ServiceError> {
    let Window { page, per_page } = Window::parse(query.page, query.per_page, DEFAULT_PER_PAGE)?;
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ServiceError::invalid(
            "q",
            &format!("Search with at most {MAX_QUERY_CHARS} characters."),
        ));
    }
    let statuses: Vec<&str> = if tx.caller().role.can_teach() {
        match query.status {
            Some(status) => vec![status.as_str()],
            None => CourseStatus::ALL.iter().map(|s| s.as_str()).collect(),
        }
    } else {
        vec![CourseStatus::Published.as_str()]
    };
    let window = (
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    );
    let tsquery = query.q.as_deref().and_then(prefix_query);
    // Two statements rather than one with `$3 is null or …`: a generic plan of that form could use
    // neither the tenant's search index nor its date order.
    let (rows, total, total_is_estimate) = match &tsquery {
        Some(tsquery) => {
            let courses = count_up_to(tx, &statuses, EXACT_TOTAL_UP_TO + 1).await?;
            search_page(tx, &statuses, tsquery, window, courses).await?
        }
        None => {
            let (rows, counted) = browse_page(tx, &statuses, window).await?;
            let courses = match counted {
                Some(courses) => courses,
                // Past the last page: no row came back to carry the count.
                None => count_up_to(tx, &statuses, EXACT_TOTAL_UP_TO + 1).await?,
            };
            if courses > EXACT_TOTAL_UP_TO {
                let estimate = estimate(tx, &statuses).await?;
                (rows, estimate.max(EXACT_TOTAL_UP_TO + 1), true)
            } else {
                (rows, courses, false)
            }
        }
    };
    Ok(Page {
        items: rows
            .into_iter()
            .map(course_view)
            .collect::<Result<_, _>>()?,
        page,
        per_page,
        total: u64::try_from(total).unwrap_or(0),
        total_is_estimate,
    })
}

/// Lists count their rows exactly up to here; past it, `total` is an estimate and says so.
/// Counting a tenant's 10,000 courses on every page cost more than finding the page.
pub const EXACT_TOTAL_UP_TO: i64 = 1_000;

/// The most of the tenant's newest courses a search reads to fill its page before it asks the
/// search index instead.
const NEWEST_READ: i64 = 5_000;

/// A page of courses matching `tsquery`, newest first, with its total and whether that is an
/// estimate. A search narrows the catalog without reordering it: ranking every match by relevance
/// meant reading every match (1,563 rows for one word at 10,000 courses), on every page.
///
/// A word common enough that its total would be estimated fills its page from the newest courses
/// within a few hundred rows, so those are read in date order. Anything else (a rarer word, a deep
/// page) goes to the search index and is counted exactly.
async fn search_page(
    tx: &mut TenantTx,
    statuses: &[&str],
    tsquery: &str,
    (limit, offset): (i64, i64),
    courses: i64,
) -> Result<(Vec<CourseRow>, i64, bool), ServiceError> {
    if courses > EXACT_TOTAL_UP_TO {
        let catalog = estimate(tx, statuses).await?.max(courses);
        let shown = offset + limit;
        // Past this many rows, the share that matched could no longer estimate over the threshold.
        let read_at_most = shown.saturating_mul(catalog) / EXACT_TOTAL_UP_TO;
        if read_at_most <= NEWEST_READ {
            let rows = newest_matches(tx, statuses, tsquery, (limit, offset), read_at_most).await?;
            let read = rows.last().map_or(0, |row| row.position);
            if rows.len() as i64 == limit && read > 0 {
                // The share of the newest courses that matched, applied to the whole catalog.
                let total = (shown as f64 / read as f64 * catalog as f64).round() as i64;
                // At or below the threshold the total must be exact, which the index gives.
                if total > EXACT_TOTAL_UP_TO {
                    let rows = rows.into_iter().map(|row| row.course).collect();
                    // A stale catalog estimate must not put the end before a page that is full.
                    return Ok((rows, total.max(shown + 1), true));
                }
            }
        }
    }
    let rows = indexed_matches(tx, statuses, tsquery, (limit, offset)).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if offset == 0 => 0,
        // Past the last page: the total still tells the client where the results end.
        None => indexed_matches(tx, statuses, tsquery, (1, 0))
            .await?
            .first()
            .map_or(0, |row| row.total),
    };
    Ok((
        rows.into_iter().map(|row| row.course).collect(),
        total,
        false,
    ))
}

struct Walked {
    course: CourseRow,
    /// How many of the tenant's newest courses were read to reach this one.
    position: i64,
}

struct Counted {
    course: CourseRow,
    /// How many courses match in all.
    total: i64,
}

/// A [`CourseRow`] from a query record that names the same columns.
macro_rules! course_row {
    ($r:expr) => {
        CourseRow {
            id: $r.id,
            slug: $r.slug,
            title: $r.title,
            summary: $r.summary,
            status: $r.status,
            cover_color: $r.cover_color,
            cover_image_url: $r.cover_image_url,
            self_enrollment: $r.self_enrollment,
            owner_id: $r.owner_id,
            version: $r.version,
            module_count: $r.module_count,
            lesson_count: $r.lesson_count,
            published_at: $r.published_at,
            created_at: $r.created_at,
            updated_at: $r.updated_at,
        }
    };
}

/// Matches among the tenant's `read_at_most` newest courses, each with how many courses were read
/// to reach it. This reads the date index in order and stops as soon as the page is full.
async fn newest_matches(
    tx: &mut TenantTx,
    statuses: &[&str],
    tsquery: &str,
    (limit, offset): (i64, i64),
    read_at_most: i64,
) -> Result<Vec<Walked>, ServiceError> {
    let rows = sqlx::query!(
        r#"select p.id, p.slug, p.title, p.summary, p.status, p.cover_color, p.cover_image_url,
                  p.self_enrollment, p.owner_id, p.version, p.published_at, p.created_at, p.updated_at,
                  p.position as "position!",
                  (select count(*) from course_module m where m.tenant_id = p.tenant_id and m.course_id = p.id) as "module_count!",
                  (select count(*) from lesson l where l.tenant_id = p.tenant_id and l.course_id = p.id) as "lesson_count!"
           from (select r.*
                 from (select n.*, row_number() over (order by n.created_at desc, n.id desc) as position
                       from (select c.id, c.tenant_id, c.slug, c.title, c.summary, c.status, c.cover_color,
                                    c.cover_image_url, c.self_enrollment, c.owner_id, c.version, c.published_at,
                                    c.created_at, c.updated_at, c.search
                             from course c
                             where c.tenant_id = $1 and c.status = any($2)
                             order by c.created_at desc, c.id desc
                             limit $6) n) r
                 -- A subquery, so a generic plan parses the query once rather than once a row.
                 where r.search @@ (select to_tsquery('english', $3))
                 order by r.created_at desc, r.id desc
                 limit $4 offset $5) p
           order by p.created_at desc, p.id desc"#,
        tx.tenant().as_uuid(),
        statuses as &[&str],
        tsquery,
        limit,
        offset,
        read_at_most,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Walked {
            position: r.position,
            course: course_row!(r),
        })
        .collect())
}

/// The page of all the tenant's matches, found through the search index, each with the number
/// of matches. `tsvector @@ tsquery` is not leakproof, so under the tenant policy PostgreSQL may
/// not use it as an index condition; `lectern_course_search` (migration 20261130000001_catalog_paging) runs as
/// the table's owner, confined to the transaction's tenant, and returns ids that are read back
/// here through the policy.
async fn indexed_matches(
    tx: &mut TenantTx,
    statuses: &[&str],
    tsquery: &str,
    (limit, offset): (i64, i64),
) -> Result<Vec<Counted>, ServiceError> {
    let rows = sqlx::query!(
        r#"select c.id, c.slug, c.title, c.summary, c.status, c.cover_color, c.cover_image_url,
                  c.self_enrollment, c.owner_id, c.version, c.published_at, c.created_at, c.updated_at,
                  f.total as "total!",
                  (select count(*) from course_module m where m.tenant_id = c.tenant_id and m.course_id = c.id) as "module_count!",
                  (select count(*) from lesson l where l.tenant_id = c.tenant_id and l.course_id = c.id) as "lesson_count!"
           from lectern_course_search($2, to_tsquery('english', $3), $4, $5) f
           join course c on c.tenant_id = $1 and c.id = f.course_id
           order by c.created_at desc, c.id desc"#,
        tx.tenant().as_uuid(),
        statuses as &[&str],
        tsquery,
        limit,
        offset,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Counted {
            total: r.total,
            course: course_row!(r),
        })
        .collect())
}

/// The tenant's courses in `statuses`, counted up to `cap`: an index-only scan, cheap at any size.
async fn count_up_to(tx: &mut TenantTx, statuses: &[&str], cap: i64) -> Result<i64, ServiceError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from (
               select 1 from course c where c.tenant_id = $1 and c.status = any($2) limit $3
           ) counted"#,
        tx.tenant().as_uuid(),
        statuses as &[&str],
        cap,
    )
    .fetch_one(&mut **tx)
    .await?)
}

// The page is chosen from the date index alone, which holds each course's status: skipping to
// page 400 passes 8,000 index entries without reading their rows, and only the page's 20 rows are
// read and have their modules and lessons counted (page 400 of a 10,000-course tenant: 64 ms in
// one query level, 4.5 ms with the page chosen first, about 1.5 ms from the index alone). Each
// row also carries the tenant's courses counted up to the exact-total threshold, computed once
// for the statement, which saves the page a round trip of its own.
async fn browse_page(
    tx: &mut TenantTx,
    statuses: &[&str],
    (limit, offset): (i64, i64),
) -> Result<(Vec<CourseRow>, Option<i64>), ServiceError> {
    let rows = sqlx::query!(
        r#"select c.id, c.slug, c.title, c.summary, c.status, c.cover_color, c.cover_image_url,
                  c.self_enrollment, c.owner_id, c.version, c.published_at, c.created_at, c.updated_at,
                  (select count(*) from course_module m where m.tenant_id = c.tenant_id and m.course_id = c.id) as "module_count!",
                  (select count(*) from lesson l where l.tenant_id = c.tenant_id and l.course_id = c.id) as "lesson_count!",
                  (select count(*) from (select 1 from course k
                                         where k.tenant_id = $1 and k.status = any($2)
                                         limit $5) counted) as "counted!"
           from (select n.id, n.created_at
                 from course n
                 where n.tenant_id = $1 and n.status = any($2)
                 order by n.created_at desc, n.id desc
                 limit $3 offset $4) p
           join course c on c.tenant_id = $1 and c.id = p.id
           order by p.created_at desc, p.id desc"#,
        tx.tenant().as_uuid(),
        statuses as &[&str],
        limit,
        offset,
        EXACT_TOTAL_UP_TO + 1,
    )
    .fetch_all(&mut **tx)
    .await?;
    let counted = rows.first().map(|r| r.counted);
    Ok((rows.into_iter().map(|r| course_row!(r)).collect(), counted))
}

/// Up to six titles of published courses matching what has been typed so far, best first.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn suggest(caller: &Caller, store: &Store, q: &str) -> Result<Vec<String>, ServiceError> {
    let Some(tsquery) = prefix_query(q) else {
        return Ok(Vec::new());
    };
    in_tx!(store, caller, |tx| suggest_in(tx, &tsquery))
}

/// [`suggest`] for a `to_tsquery` text made by [`prefix_query`].
pub async fn suggest_in(tx: &mut TenantTx, tsquery: &str) -> Result<Vec<String>, ServiceError> {
    // Through `lectern_course_suggest`, for the reason `indexed_matches` gives.
    let titles = sqlx::query_scalar!(
        r#"select title as "title!" from lectern_course_suggest(to_tsquery('english', $1), 6)"#,
        tsquery
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(titles)
}

#[cfg(test)]
mod tests {
    use super::prefix_query;

    #[test]
    fn search_text_becomes_a_safe_prefix_query() {
        assert_eq!(prefix_query("rust bor").as_deref(), Some("rust & bor:*"));
        assert_eq!(
            prefix_query("a' | !b:* & (c)").as_deref(),
            Some("a & b & c:*")
        );
        assert_eq!(prefix_query("  ;; ").as_deref(), None);
        assert_eq!(prefix_query("Été").as_deref(), Some("été:*"));
    }
}
