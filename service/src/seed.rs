//! The demo tenant that `cargo xtask run` starts with: an admin, a teacher, two students, and one
//! published course with a timed quiz. Seeding twice changes nothing.

use domain::{DisplayName, Password, Role, Slug, TenantId};

use crate::db::{new_id, tenant_tx};
use crate::{password, tenants, ServiceError, Store};

pub const DEMO_SLUG: &str = "demo";
/// Printed at start and in the README; only ever used for the demo tenant.
pub const DEMO_PASSWORD: &str = "lectern-demo-2026";

pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
}

pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        email: "admin@demo.lectern.test",
        role: Role::Admin,
    },
    DemoLogin {
        email: "teacher@demo.lectern.test",
        role: Role::Teacher,
    },
    DemoLogin {
        email: "student1@demo.lectern.test",
        role: Role::Student,
    },
    DemoLogin {
        email: "student2@demo.lectern.test",
        role: Role::Student,
    },
];

const DEMO_NAMES: [&str; 4] = ["Ada Admin", "Tomás Teacher", "Sam Student", "Siân Student"];

/// Creates the demo tenant unless it exists. Returns whether it created it.
pub async fn demo(store: &Store) -> Result<bool, ServiceError> {
    let slug = Slug::parse("slug", DEMO_SLUG)?;
    if tenants::find_by_slug(&store.pool, &slug).await?.is_some() {
        return Ok(false);
    }
    let tenant = tenants::create(
        &store.pool,
        &slug,
        &DisplayName::parse("name", "Demo University")?,
        true,
    )
    .await?;
    let password = Password::parse_new("password", DEMO_PASSWORD)?;
    let hash = password::hash(&password).await?;
    let mut tx = tenant_tx(&store.pool, tenant).await?;
    let mut teacher = None;
    for (login, name) in DEMO_LOGINS.iter().zip(DEMO_NAMES) {
        let id = new_id();
        sqlx::query!(
            "insert into app_user (id, tenant_id, email, name, role, password_hash) values ($1, $2, $3, $4, $5, $6)",
            id,
            tenant.as_uuid(),
            login.email,
            name,
            login.role.as_str(),
            hash
        )
        .execute(&mut *tx)
        .await?;
        if login.role == Role::Teacher {
            teacher = Some(id);
        }
    }
    let owner = teacher.ok_or_else(|| anyhow::anyhow!("the demo logins include a teacher"))?;
    seed_course(&mut tx, tenant, owner).await?;
    tx.commit().await?;
    Ok(true)
}

async fn seed_course(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    owner: uuid::Uuid,
) -> Result<(), ServiceError> {
    let course = new_id();
    sqlx::query!(
        "insert into course (id, tenant_id, slug, title, summary, status, owner_id, published_at) values ($1, $2, $3, $4, $5, 'published', $6, now())",
        course,
        tenant.as_uuid(),
        "intro-to-lectern",
        "Introduction to Lectern",
        "A short tour of learning on Lectern: lessons, progress, and a timed quiz at the end.",
        owner
    )
    .execute(&mut **tx)
    .await?;
    let module = new_id();
    sqlx::query!(
        "insert into course_module (id, tenant_id, course_id, title, position) values ($1, $2, $3, 'Getting started', 0)",
        module,
        tenant.as_uuid(),
        course
    )
    .execute(&mut **tx)
    .await?;
    let lessons = [
        ("Welcome", "Welcome to **Lectern**. Each course is made of modules, and each module of lessons.\n\nMark a lesson complete when you have read it: your progress shows on *My courses*."),
        ("Finding your way", "- The **catalog** lists the courses you can join.\n- **My courses** shows those you are in, with your progress.\n- Lessons may hold text, videos, files and quizzes."),
    ];
    for (position, (title, text)) in (0i32..).zip(lessons) {
        sqlx::query!(
            "insert into lesson (id, tenant_id, course_id, module_id, title, position, blocks) values ($1, $2, $3, $4, $5, $6, $7)",
            new_id(),
            tenant.as_uuid(),
            course,
            module,
            title,
            position,
            serde_json::json!([{ "kind": "markdown", "text": text }])
        )
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query!(
        "insert into quiz (id, tenant_id, course_id, title, time_limit_minutes, passing_score, max_attempts, status, published_at)
         values ($1, $2, $3, $4, 10, 70, 3, 'published', now())",
        new_id(),
        tenant.as_uuid(),
        course,
        "Getting-started check"
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
