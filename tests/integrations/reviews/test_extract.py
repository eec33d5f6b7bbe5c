"""Reviews read from schema.org markup on realistic hospital and clinic pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from integrations.reviews.extract import extract_reviews
from integrations.reviews.records import AggregateRating, ReviewRecord

HOSPITAL_URL = "https://stmarys.example.org/reviews"

HOSPITAL_JSON_LD = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Patient reviews - St. Mary's Regional Hospital</title>
  <meta property="og:description" content="Read what patients say about St. Mary's">
  <link rel="next" href="/reviews?page=2">
  <script type="application/ld+json">
  {
    "@context": "https://schema.org",
    "@type": "Hospital",
    "@id": "https://stmarys.example.org/#hospital",
    "name": "St. Mary's Regional Hospital",
    "url": "https://stmarys.example.org/",
    "telephone": "+1-555-010-2000",
    "aggregateRating": {
      "@type": "AggregateRating",
      "ratingValue": "4.2",
      "reviewCount": "318",
      "bestRating": "5",
      "worstRating": "1"
    },
    "review": [
      {
        "@type": "Review",
        "@id": "https://stmarys.example.org/reviews#r-1041",
        "author": {"@type": "Person", "name": "Dolores H."},
        "datePublished": "2024-02-11",
        "name": "Kind nurses on the cardiac ward",
        "reviewBody": "The nurses on 4 West were  kind and\\n explained every medication.",
        "reviewRating": {"@type": "Rating", "ratingValue": 5, "bestRating": 5}
      },
      {
        "@type": "Review",
        "identifier": "r-1042",
        "author": "Marcus T.",
        "datePublished": "2024-02-09T18:32:00-05:00",
        "description": "Waited six hours in the ER with a broken wrist. Nobody told us why.",
        "reviewRating": {"@type": "Rating", "ratingValue": "2"}
      },
      {
        "@type": "Review",
        "url": "https://stmarys.example.org/reviews/1043",
        "author": {"@type": "Person", "name": "Anonymous patient"},
        "datePublished": "2024-01-30T09:15:00Z",
        "inLanguage": "en",
        "reviewBody": "Parking was impossible but the surgeon was excellent.",
        "reviewRating": {
          "@type": "Rating", "ratingValue": "3", "bestRating": "5", "worstRating": "1"
        }
      }
    ]
  }
  </script>
</head>
<body>
  <h1>What our patients say</h1>
  <nav><a rel="prev" href="/reviews?page=0">Previous</a> <a href="/reviews?page=2">2</a></nav>
</body>
</html>
"""


def test_hospital_json_ld_yields_its_three_reviews_exactly() -> None:
    page = extract_reviews(HOSPITAL_JSON_LD, HOSPITAL_URL)

    assert page.problems == []
    assert page.reviews == [
        ReviewRecord(
            text="The nurses on 4 West were kind and explained every medication.",
            rating=5.0,
            author="Dolores H.",
            published_at=datetime(2024, 2, 11, tzinfo=UTC),
            url=HOSPITAL_URL,  # no link of its own: the page it was found on
            external_id="https://stmarys.example.org/reviews#r-1041",
            title="Kind nurses on the cardiac ward",
        ),
        ReviewRecord(
            text="Waited six hours in the ER with a broken wrist. Nobody told us why.",
            rating=2.0,
            author="Marcus T.",
            published_at=datetime(2024, 2, 9, 18, 32, tzinfo=timezone(timedelta(hours=-5))),
            url=HOSPITAL_URL,
            external_id="r-1042",
        ),
        ReviewRecord(
            text="Parking was impossible but the surgeon was excellent.",
            rating=3.0,
            author="Anonymous patient",
            published_at=datetime(2024, 1, 30, 9, 15, tzinfo=UTC),
            url="https://stmarys.example.org/reviews/1043",
            external_id="https://stmarys.example.org/reviews/1043",
            language="en",
        ),
    ]
    assert all(review.published_at.tzinfo is not None for review in page.reviews)


def test_hospital_aggregate_rating_and_next_page() -> None:
    page = extract_reviews(HOSPITAL_JSON_LD, HOSPITAL_URL)

    assert page.aggregate == AggregateRating(rating=4.2, count=318)
    # Only rel="next" counts; the plain "2" link and rel="prev" are not followed.
    assert page.next_pages == ["https://stmarys.example.org/reviews?page=2"]


def test_graph_lists_and_untyped_nested_reviews_are_found() -> None:
    html = """<html><head>
    <script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": ["MedicalClinic", "LocalBusiness"], "@id": "#clinic", "name": "Northside Clinic",
       "aggregateRating": {"ratingValue": 4.6, "ratingCount": 51}},
      {"@type": "Review", "@id": "#rev-1", "itemReviewed": {"@id": "#clinic"},
       "author": [{"@type": "Person", "name": "Hana K."}],
       "reviewBody": "Flu shot took ten minutes.", "reviewRating": {"ratingValue": "5"}}
    ]}
    </script>
    <script type="application/ld+json">
    [{"@type": "Physician", "name": "Dr. Amara Osei",
      "review": {"author": "R. Patel", "reviewBody": "Listened and never rushed me.",
                 "datePublished": "2023-11-05T10:00:00"}}]
    </script></head><body></body></html>"""
    page = extract_reviews(html, "https://northside.example.com/clinic/")

    assert [(r.external_id, r.author, r.text, r.rating) for r in page.reviews] == [
        (
            "https://northside.example.com/clinic/#rev-1",
            "Hana K.",
            "Flu shot took ten minutes.",
            5.0,
        ),
        ("", "R. Patel", "Listened and never rushed me.", None),
    ]
    # A date-time with no offset is read as UTC.
    assert page.reviews[1].published_at == datetime(2023, 11, 5, 10, 0, tzinfo=UTC)
    assert page.aggregate == AggregateRating(rating=4.6, count=51)


def test_ratings_on_a_ten_point_scale_are_mapped_to_five() -> None:
    html = """<script type="application/ld+json">
    {"@type": "Hospital", "name": "Harbor Medical Center", "review": [
      {"@type": "Review", "reviewBody": "Good follow-up calls.",
       "reviewRating": {"ratingValue": "8", "bestRating": "10"}},
      {"@type": "Review", "reviewBody": "Surgery went well.",
       "reviewRating": {"ratingValue": 10, "bestRating": 10, "worstRating": 0}},
      {"@type": "Review", "reviewBody": "Rating typed wrong.",
       "reviewRating": {"ratingValue": "11", "bestRating": "10"}}
    ],
    "aggregateRating": {"ratingValue": "7,5", "bestRating": "10", "worstRating": "0",
                        "reviewCount": "1,204"}}
    </script>"""
    page = extract_reviews(html, "https://harbor.example.org/")

    # 1 + 4 * (8 - 1) / (10 - 1) = 4.11; 10 of 0-10 is the top; 11 of 10 is no rating at all.
    assert [(r.text, r.rating) for r in page.reviews] == [
        ("Good follow-up calls.", 4.11),
        ("Surgery went well.", 5.0),
        ("Rating typed wrong.", None),
    ]
    assert page.aggregate == AggregateRating(rating=4.0, count=1204)


MICRODATA_PAGE = """<!DOCTYPE html>
<html><head><title>Riverside Family Clinic reviews</title></head>
<body>
<div itemscope itemtype="https://schema.org/MedicalClinic">
  <h1 itemprop="name">Riverside Family Clinic</h1>
  <div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">
    Rated <span itemprop="ratingValue">4.5</span>/5 from
    <span itemprop="reviewCount">27</span> reviews
  </div>
  <article itemprop="review" itemscope itemtype="https://schema.org/Review"
           itemid="https://riverside.example.com/reviews/88">
    <h3 itemprop="name">Front desk was great</h3>
    <span itemprop="author" itemscope itemtype="https://schema.org/Person">
      <span itemprop="name">Priya   N.</span>
    </span>
    <time itemprop="datePublished" datetime="2024-03-02">March 2, 2024</time>
    <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
      <meta itemprop="worstRating" content="1">
      <span itemprop="ratingValue">4</span> of <span itemprop="bestRating">5</span>
    </div>
    <p itemprop="reviewBody">Booked same-day for my son's ear infection.<br>Dr. Okafor
       was patient with him.</p>
  </article>
  <article itemprop="review" itemscope itemtype="http://schema.org/Review">
    By <span itemprop="author">Gary &amp; Lin</span>
    <meta itemprop="datePublished" content="2024-02-20T14:00:00+00:00">
    <div itemprop="reviewRating" itemscope itemtype="http://schema.org/Rating">
      <meta itemprop="ratingValue" content="1">
    </div>
    <div itemprop="reviewBody"><p>Billing sent us to collections</p><p>for a visit insurance
      had paid.</p></div>
    <a itemprop="url" href="/reviews/89">Permalink</a>
  </article>
  <article itemprop="review" itemscope itemtype="https://schema.org/Review">
    <span itemprop="author">Empty Eddie</span>
    <div itemprop="reviewBody">   </div>
  </article>
</div>
<a rel="next" href="https://riverside.example.com/reviews?page=2#list">More reviews</a>
</body></html>
"""


def test_microdata_reviews_with_nested_author_and_rating() -> None:
    page = extract_reviews(MICRODATA_PAGE, "https://riverside.example.com/reviews")

    assert page.problems == []
    assert page.reviews == [
        ReviewRecord(
            text="Booked same-day for my son's ear infection. Dr. Okafor was patient with him.",
            rating=4.0,
            author="Priya N.",
            published_at=datetime(2024, 3, 2, tzinfo=UTC),
            url="https://riverside.example.com/reviews",
            external_id="https://riverside.example.com/reviews/88",
            title="Front desk was great",
        ),
        ReviewRecord(
            text="Billing sent us to collections for a visit insurance had paid.",
            rating=1.0,
            author="Gary & Lin",
            published_at=datetime(2024, 2, 20, 14, 0, tzinfo=UTC),
            url="https://riverside.example.com/reviews/89",
            external_id="https://riverside.example.com/reviews/89",
        ),
    ]  # Eddie's review has neither text nor rating, so it is not a review
    assert page.aggregate == AggregateRating(rating=4.5, count=27)
    assert page.next_pages == ["https://riverside.example.com/reviews?page=2"]


def test_br_separates_words_in_microdata_text() -> None:
    html = """<div itemscope itemtype="https://schema.org/Review">
      <span itemprop="reviewBody">Quick<br>clean<br/>friendly</span></div>"""
    page = extract_reviews(html, "https://example.org/")

    assert [review.text for review in page.reviews] == ["Quick clean friendly"]


RDFA_PAGE = """<!DOCTYPE html>
<html><head><title>Lakeview General</title>
<meta property="og:title" content="Lakeview General - reviews"></head>
<body vocab="https://schema.org/">
<div typeof="Hospital" resource="#hospital">
  <h1 property="name">Lakeview General</h1>
  <div property="aggregateRating" typeof="AggregateRating">
    <span property="ratingValue">3.8</span> (<span property="ratingCount">1,204</span> ratings)
  </div>
  <div property="review" typeof="Review" resource="#review-7">
    <span property="author" typeof="Person"><span property="name">Sam O.</span></span>
    <span property="datePublished" content="2024-04-01T08:00:00+02:00">1 April</span>
    <div property="reviewRating" typeof="Rating">
      <span property="ratingValue">9</span>/<span property="bestRating">10</span>
    </div>
    <p property="reviewBody">Maternity ward staff were wonderful.</p>
  </div>
</div>
<div prefix="schema: https://schema.org/" typeof="schema:Review">
  <span property="schema:author">Ines R.</span>
  <p property="schema:reviewBody">Clean rooms,   cold food.</p>
  <span property="schema:reviewRating" typeof="schema:Rating">
    <span property="schema:ratingValue">3</span>
  </span>
</div>
</body></html>
"""


def test_rdfa_reviews_with_vocab_and_prefixed_properties() -> None:
    page = extract_reviews(RDFA_PAGE, "https://lakeview.example.net/reviews")

    assert page.problems == []
    assert page.reviews == [
        ReviewRecord(
            text="Maternity ward staff were wonderful.",
            rating=4.56,  # 9 of 1-10
            author="Sam O.",
            published_at=datetime(2024, 4, 1, 8, 0, tzinfo=timezone(timedelta(hours=2))),
            url="https://lakeview.example.net/reviews",
            external_id="https://lakeview.example.net/reviews#review-7",
        ),
        ReviewRecord(
            text="Clean rooms, cold food.",
            rating=3.0,
            author="Ines R.",
            url="https://lakeview.example.net/reviews",
        ),
    ]
    assert page.aggregate == AggregateRating(rating=3.8, count=1204)


def test_malformed_json_ld_is_skipped_and_reported_without_its_text() -> None:
    html = """<html><head>
    <script type="application/ld+json">
    {"@type": "Review", "reviewBody": "Secret words from a broken block",
     "reviewRating": {"ratingValue": 1},}
    </script>
    <script type="application/ld+json">
    <!--
    {"@type": "Review", "author": "Olu B.", "reviewBody": "Discharge was well organised.",
     "reviewRating": {"ratingValue": 4}, "datePublished": "2024-05-06"}
    -->
    </script>
    <script type="application/ld+json">   </script>
    <script type="text/javascript">var x = {"@type": "Review"};</script>
    </head><body></body></html>"""
    page = extract_reviews(html, "https://example.org/reviews")

    assert [(r.author, r.text, r.rating) for r in page.reviews] == [
        ("Olu B.", "Discharge was well organised.", 4.0)
    ]
    assert len(page.problems) == 1
    assert page.problems[0].startswith("JSON-LD block 1 is not valid JSON")
    assert "Secret" not in page.problems[0]


def test_same_review_in_json_ld_and_microdata_is_kept_once() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": "Review", "author": {"@type": "Person", "name": "Teresa M."},
     "datePublished": "2024-03-18", "reviewBody": "Physical therapy got me walking again.",
     "reviewRating": {"@type": "Rating", "ratingValue": "5"}}
    </script></head><body>
    <div itemscope itemtype="https://schema.org/Review" itemid="https://example.org/r/5501">
      <h4 itemprop="name">Back on my feet</h4>
      <span itemprop="author">Teresa M.</span>
      <time itemprop="datePublished" datetime="2024-03-18T16:20:00Z">18 March</time>
      <p itemprop="reviewBody">Physical therapy got me
         walking again.</p>
      <meta itemprop="ratingValue" content="5">
    </div>
    <div itemscope itemtype="https://schema.org/Review">
      <span itemprop="author">Teresa M.</span>
      <p itemprop="reviewBody">Physical therapy got me walking again.</p>
      <time itemprop="datePublished" datetime="2024-03-18">18 March</time>
    </div>
    </body></html>"""
    page = extract_reviews(html, "https://example.org/reviews")

    # The JSON-LD form is kept; the microdata copy fills in the id and title it lacked.
    assert page.reviews == [
        ReviewRecord(
            text="Physical therapy got me walking again.",
            rating=5.0,
            author="Teresa M.",
            published_at=datetime(2024, 3, 18, tzinfo=UTC),
            url="https://example.org/reviews",
            external_id="https://example.org/r/5501",
            title="Back on my feet",
        )
    ]


def test_listing_url_shared_by_every_review_is_not_taken_as_an_id() -> None:
    html = """<script type="application/ld+json">
    {"@type": "Hospital", "review": [
      {"@type": "Review", "url": "https://example.org/reviews", "author": "A",
       "reviewBody": "Great maternity care."},
      {"@type": "Review", "url": "https://example.org/reviews", "author": "B",
       "reviewBody": "Cold food."}]}
    </script>"""
    page = extract_reviews(html, "https://example.org/reviews")

    assert [(r.text, r.external_id) for r in page.reviews] == [
        ("Great maternity care.", ""),
        ("Cold food.", ""),
    ]
    assert page.reviews[0].identity != page.reviews[1].identity


def test_pagination_links_are_resolved_filtered_and_deduplicated() -> None:
    html = """<html><head>
    <base href="https://reviews.example.com/hospitals/st-jude/">
    <link rel="next" href="page/3">
    <link rel="prev" href="page/1">
    </head><body>
    <a rel="next nofollow" href="https://reviews.example.com/hospitals/st-jude/page/3#top">Next</a>
    <a rel="NEXT" href="javascript:void(0)">Next</a>
    <a rel="next" href="mailto:reviews@example.com">Mail</a>
    <a rel="next" href="ftp://reviews.example.com/dump">FTP</a>
    <a rel="next" href="">Empty</a>
    <a rel="next" href="//cdn.example.com/hospitals/st-jude/page/4">Other host</a>
    </body></html>"""
    page = extract_reviews(html, "https://reviews.example.com/hospitals/st-jude/page/2")

    assert page.next_pages == [
        "https://reviews.example.com/hospitals/st-jude/page/3",
        "https://cdn.example.com/hospitals/st-jude/page/4",
    ]


def test_broken_markup_never_raises() -> None:
    html = """<html><body><![if !IE]><p>old browsers</p><![endif]>
    <div itemscope itemtype="https://schema.org/Review">
      <p itemprop="reviewBody">Unclosed <b>bold text and a stray </span> tag
      <div itemprop="author">Kim L.
    </div></div></td></table>
    <script type="application/ld+json">{"@type": "Review", "reviewBody": [[[[</script>"""
    page = extract_reviews(html, "https://example.org/")

    assert [(r.author, r.text) for r in page.reviews] == [
        ("Kim L.", "Unclosed bold text and a stray tag Kim L.")
    ]
    assert len(page.problems) == 1 and page.problems[0].startswith("JSON-LD block 1")
    for garbage in ("", "<<<>>>", "<div itemscope", "</p></p>", "<" * 10_000 + "div"):
        assert extract_reviews(garbage, "https://example.org/").reviews == []


def test_deeply_nested_markup_and_json_do_not_crash() -> None:
    deep_html = "<div>" * 5_000 + "text" + "</div>" * 5_000
    deep_json = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    assert extract_reviews(deep_html, "https://example.org/").reviews == []
    page = extract_reviews(deep_json, "https://example.org/")
    assert page.reviews == [] and len(page.problems) == 1


def test_reviews_without_text_or_rating_are_ignored_and_long_text_is_capped() -> None:
    long_body = "Very long story. " * 2_000  # 34,000 characters
    html = f"""<script type="application/ld+json">
    [{{"@type": "Review", "author": "Nobody", "reviewBody": "   "}},
     {{"@type": "Review", "author": "Stars only", "reviewRating": {{"ratingValue": 4}}}},
     {{"@type": "Review", "author": "Essayist", "reviewBody": "{long_body}"}}]
    </script>"""
    page = extract_reviews(html, "https://example.org/")

    assert [(r.author, r.rating) for r in page.reviews] == [("Stars only", 4.0), ("Essayist", None)]
    assert page.reviews[0].text == ""
    assert len(page.reviews[1].text) <= 20_000
    assert page.reviews[1].text.startswith("Very long story. Very long story.")


def test_unreadable_dates_are_left_empty() -> None:
    html = """<script type="application/ld+json">
    [{"@type": "Review", "reviewBody": "Fine.", "datePublished": "last Tuesday"},
     {"@type": "Review", "reviewBody": "Good.", "datePublished": "2024-06-30T23:59:59.5+09:30"}]
    </script>"""
    page = extract_reviews(html, "https://example.org/")

    assert page.reviews[0].published_at is None
    assert page.reviews[1].published_at == datetime(
        2024, 6, 30, 23, 59, 59, 500_000, tzinfo=timezone(timedelta(hours=9, minutes=30))
    )


def test_shared_id_across_markups_means_one_review_even_when_one_copy_is_cut_short() -> None:
    html = """<script type="application/ld+json">
    {"@type": "Review", "@id": "https://example.org/r/77", "author": "Lena W.",
     "reviewBody": "The oncology team coordinated every appointment and called back."}
    </script>
    <div itemscope itemtype="https://schema.org/Review" itemid="https://example.org/r/77">
      <span itemprop="author">Lena W.</span>
      <p itemprop="reviewBody">The oncology team coordinated every appointment... Read more</p>
    </div>"""
    page = extract_reviews(html, "https://example.org/reviews")

    assert [(r.external_id, r.text) for r in page.reviews] == [
        (
            "https://example.org/r/77",
            "The oncology team coordinated every appointment and called back.",
        )
    ]


def test_reviews_with_their_own_ids_are_never_merged_by_content() -> None:
    html = """<script type="application/ld+json">
    [{"@type": "Review", "identifier": "g-1", "author": "A Google User", "reviewBody": "Great",
      "datePublished": "2024-05-01"},
     {"@type": "Review", "identifier": "g-2", "author": "A Google User", "reviewBody": "Great",
      "datePublished": "2024-05-01"}]
    </script>"""
    page = extract_reviews(html, "https://example.org/reviews")

    assert [r.external_id for r in page.reviews] == ["g-1", "g-2"]


def test_control_characters_become_spaces() -> None:
    html = r"""<script type="application/ld+json">
    {"@type": "Review", "author": "Nil\u0000Byte", "reviewBody": "Good\u0000care\u0007here\ttoo"}
    </script>"""
    page = extract_reviews(html, "https://example.org/")

    assert [(r.author, r.text) for r in page.reviews] == [("Nil Byte", "Good care here too")]
