//! Pagination streams: `Call::items` and `Call::pages` over a class with hundreds of media
//! (seeded with the emulator's public Fixture API) and over media uploaded through the SDK, with
//! a small `Limit` to force many pages, through 503s and a ticket expiry mid-stream.

mod support;

use std::collections::BTreeSet;

use cme_emulator::{Emulator, FaultSpec, Fixture};
use cme_sdk::types::{MaterialInfo, MaterialType, SearchScope};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use support::*;

/// Media seeded into alice's class `/批量`.
const SEEDED: usize = 250;
const LIST: &str = "Material/ListMedia";

/// The demo fixture plus [`SEEDED`] videos of alice in `/批量`, one minute apart, named
/// `批量 000` (the oldest) to `批量 249`.
fn fixture() -> Fixture {
    let mut doc = serde_json::to_value(Fixture::demo()).expect("the fixture serializes");
    let materials = doc["Platforms"][0]["Materials"]
        .as_array_mut()
        .expect("demo media");
    for i in 0..SEEDED {
        materials.push(json!({
            "Owner": {"Type": "PERSON", "Id": ALICE},
            "ClassPath": "/批量",
            "MaterialType": "VIDEO",
            "Name": format!("批量 {i:03}"),
            "Width": 1280, "Height": 720, "Duration": 10.0 + i as f64,
            "CreateTime": format!("2024-06-01T{:02}:{:02}:00Z", i / 60, i % 60),
        }));
    }
    Fixture::from_json(&doc.to_string()).expect("the fixture loads")
}

fn name(item: &MaterialInfo) -> String {
    item.basic_info
        .as_ref()
        .and_then(|b| b.name.clone())
        .expect("a name")
}

/// The seeded names, newest first (the list order).
fn seeded_names() -> Vec<String> {
    (0..SEEDED).rev().map(|i| format!("批量 {i:03}")).collect()
}

#[tokio::test]
async fn items_and_pages_walk_a_class_of_hundreds_of_media() {
    let env = Env::with(Emulator::builder().fixture(fixture())).await;
    let bulk = class_id(&env.client, person(ALICE), "/个人/批量").await;

    let items: Vec<MaterialInfo> = env
        .material()
        .list_media(bulk, person(ALICE))
        .limit(7)
        .items()
        .try_collect()
        .await
        .expect("every medium");
    assert_eq!(items.len(), SEEDED);
    assert_eq!(items.iter().map(name).collect::<Vec<_>>(), seeded_names());
    let unique: BTreeSet<String> = ids(&items).into_iter().collect();
    assert_eq!(unique.len(), SEEDED, "no medium twice");
    assert_eq!(env.executed(LIST), SEEDED.div_ceil(7) as u64);

    env.emu.reset_stats();
    let pages: Vec<_> = env
        .material()
        .list_media(bulk, person(ALICE))
        .limit(30)
        .pages()
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(pages.len(), 9, "250 media, 30 a page");
    assert!(pages
        .iter()
        .all(|p| p.material_total_count == Some(SEEDED as i64)));
    let sizes: Vec<usize> = pages.iter().map(|p| p.material_info_set.len()).collect();
    assert_eq!(sizes, [30, 30, 30, 30, 30, 30, 30, 30, 10]);
    assert_eq!(env.executed(LIST), 9, "no request past the last page");

    // the same media through a search of the class, 25 a page
    let searched: Vec<MaterialInfo> = env
        .material()
        .search_material([SearchScope::new(person(ALICE)).class_id(bulk)])
        .limit(25)
        .items()
        .try_collect()
        .await
        .expect("every match");
    assert_eq!(
        sorted(ids(&searched)),
        unique.iter().cloned().collect::<Vec<_>>()
    );

    // starting from an offset
    let tail: Vec<MaterialInfo> = env
        .material()
        .list_media(bulk, person(ALICE))
        .offset(240)
        .limit(4)
        .items()
        .try_collect()
        .await
        .expect("the tail");
    assert_eq!(
        tail.iter().map(name).collect::<Vec<_>>(),
        seeded_names()[240..]
    );
    env.stop().await;
}

#[tokio::test]
async fn a_stream_goes_on_through_503s_and_a_ticket_expiry() {
    let env = Env::with(Emulator::builder().fixture(fixture())).await;
    let bulk = class_id(&env.client, person(ALICE), "/个人/批量").await;
    // every other ListMedia request fails with a 503
    env.emu.inject(
        FaultSpec::status(503)
            .action("Material", "ListMedia")
            .ratio(0.5),
    );
    let mut names = Vec::new();
    {
        let call = env.material().list_media(bulk, person(ALICE)).limit(20);
        let mut stream = std::pin::pin!(call.items());
        while let Some(item) = stream.next().await {
            names.push(name(&item.expect("an item")));
            if names.len() == 50 {
                env.emu.expire_tickets();
            }
        }
    }
    assert_eq!(names, seeded_names());
    assert_eq!(env.executed(LIST), 13, "each page ran once");
    assert_eq!(env.logins(), 2, "one re-login mid-stream");
    env.stop().await;
}

#[tokio::test]
async fn media_uploaded_through_the_sdk_are_paged_too() {
    let env = Env::start().await;
    let class = env
        .material()
        .create_class(ALICE_ROOT, "上传批量", person(ALICE))
        .send()
        .await
        .expect("CreateClass")
        .class_id;
    let mut uploaded = BTreeSet::new();
    for i in 0..35 {
        let kind = if i % 5 == 0 {
            MaterialType::Audio
        } else {
            MaterialType::Video
        };
        let id = upload(
            &env.emu,
            &env.client,
            &env.backend,
            class,
            person(ALICE),
            kind,
            &format!("上传 {i}"),
        )
        .await;
        uploaded.insert(id);
    }
    let pages: Vec<_> = env
        .material()
        .list_media(class, person(ALICE))
        .limit(10)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 4);
    let listed: BTreeSet<String> = pages
        .into_iter()
        .flat_map(|p| ids(&p.material_info_set))
        .collect();
    assert_eq!(listed, uploaded);

    let audio: Vec<MaterialInfo> = env
        .material()
        .search_material([SearchScope::new(person(ALICE)).class_id(class)])
        .material_types([MaterialType::Audio])
        .limit(3)
        .items()
        .try_collect()
        .await
        .expect("the audio uploads");
    assert_eq!(audio.len(), 7);
    assert!(audio.iter().all(
        |m| m.basic_info.as_ref().and_then(|b| b.material_type.clone())
            == Some(MaterialType::Audio)
    ));

    // an empty class: one page, no items
    let empty = env
        .material()
        .create_class(ALICE_ROOT, "空", person(ALICE))
        .send()
        .await
        .expect("CreateClass")
        .class_id;
    let pages: Vec<_> = env
        .material()
        .list_media(empty, person(ALICE))
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 1);
    assert!(pages[0].material_info_set.is_empty());
    assert_eq!(pages[0].material_total_count, Some(0));
    env.stop().await;
}
