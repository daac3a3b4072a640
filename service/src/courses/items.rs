//! The outline's modules and lessons as one kind of item, for the course editor's controls: one
//! move, one delete and one reorder, each passed to the typed step of the item's kind.

use domain::outline::{OutlineItem, OutlineParent};

use super::outline;
use crate::db::{in_tx, TenantTx};
use crate::{Caller, ServiceError, Store};

/// Moves an item one place up (`-1`) or down (`1`) among its siblings.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn shift(
    caller: &Caller,
    store: &Store,
    item: OutlineItem,
    offset: i32,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| shift_in(tx, item, offset))
}

pub async fn shift_in(
    tx: &mut TenantTx,
    item: OutlineItem,
    offset: i32,
) -> Result<(), ServiceError> {
    match item {
        OutlineItem::Module(id) => outline::shift_module_in(tx, id, offset).await.map(drop),
        OutlineItem::Lesson(id) => outline::shift_lesson_in(tx, id, offset).await.map(drop),
    }
}

/// Deletes a module (with its lessons) or a lesson.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete(caller: &Caller, store: &Store, item: OutlineItem) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_in(tx, item))
}

pub async fn delete_in(tx: &mut TenantTx, item: OutlineItem) -> Result<(), ServiceError> {
    match item {
        OutlineItem::Module(id) => outline::delete_module_in(tx, id).await,
        OutlineItem::Lesson(id) => outline::delete_lesson_in(tx, id).await,
    }
}

/// Puts the children of `parent` in the order of `items`, which must name each of them once: a
/// course orders its modules, a module its lessons.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder(
    caller: &Caller,
    store: &Store,
    parent: OutlineParent,
    items: Vec<OutlineItem>,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| reorder_in(tx, parent, &items))
}

pub async fn reorder_in(
    tx: &mut TenantTx,
    parent: OutlineParent,
    items: &[OutlineItem],
) -> Result<(), ServiceError> {
    match parent {
        OutlineParent::Course(course) => {
            let ids = all_of(
                items,
                OutlineItem::module,
                "A course's outline orders its modules.",
            )?;
            outline::reorder_modules_in(tx, course, &ids)
                .await
                .map(drop)
        }
        OutlineParent::Module(module) => {
            let ids = all_of(items, OutlineItem::lesson, "A module orders its lessons.")?;
            outline::reorder_lessons_in(tx, module, &ids)
                .await
                .map(drop)
        }
    }
}

fn all_of<T>(
    items: &[OutlineItem],
    as_kind: fn(OutlineItem) -> Option<T>,
    message: &str,
) -> Result<Vec<T>, ServiceError> {
    items
        .iter()
        .map(|item| as_kind(*item).ok_or_else(|| ServiceError::invalid("ids", message)))
        .collect()
}
