//! `EventSequence::split_windows` and `split_windows_with_history`: the pieces tile the window
//! and hold every event once, in order, each inside its own piece; each lead-in holds exactly
//! the spikes within `lead` before its piece; the shares sum to 1; bad lengths are refused
//! with the reason.

use pp_core::{EventSequence, PpError, Window};
use proptest::prelude::*;

proptest! {
    #[test]
    fn the_pieces_tile_the_window_and_keep_every_event(
        t0 in -50.0f64..50.0,
        span in 0.1f64..100.0,
        raw in proptest::collection::vec((0.0f64..1.0, 0u32..3), 0..60),
        length in 0.05f64..40.0,
        boundary in any::<bool>(),
    ) {
        let t1 = t0 + span;
        let mut events: Vec<(f64, u32)> = raw.iter().map(|&(u, m)| (t0 + u * span, m)).collect();
        if boundary && t0 + length < t1 {
            events.push((t0 + length, 1)); // an event exactly on the first cut
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        events.dedup_by(|a, b| a.0 == b.0);
        let seq = EventSequence::from_unsorted(Window::new(t0, t1).unwrap(), 3, &events).unwrap();
        let pieces = seq.split_windows(length).unwrap();
        prop_assert_eq!(pieces.len(), ((t1 - t0) / length).ceil() as usize);
        prop_assert_eq!(pieces[0].window().t0(), t0);
        prop_assert_eq!(pieces.last().unwrap().window().t1(), t1);
        for w in pieces.windows(2) {
            prop_assert_eq!(w[0].window().t1(), w[1].window().t0());
            // an event at a cut belongs to the later piece
            prop_assert!(w[0].times().iter().all(|&t| t < w[0].window().t1()));
        }
        let times: Vec<f64> = pieces.iter().flat_map(|p| p.times().to_vec()).collect();
        let marks: Vec<u32> = pieces.iter().flat_map(|p| p.marks().to_vec()).collect();
        prop_assert_eq!(&times[..], seq.times());
        prop_assert_eq!(&marks[..], seq.marks());
        prop_assert!(pieces.iter().all(|p| p.dim() == 3));
        // with history: the scored parts are the pieces, the lead-ins the spikes before them
        let lead = length * 0.7;
        let scored = seq.split_windows_with_history(length, lead).unwrap();
        prop_assert_eq!(scored.len(), pieces.len());
        let mut share = 0.0;
        for (w, piece) in scored.iter().zip(&pieces) {
            let (from, end) = (piece.window().t0(), piece.window().t1());
            prop_assert_eq!(w.from(), from);
            prop_assert_eq!(w.sequence().window().t1(), end);
            let start = (from - lead).max(t0);
            prop_assert_eq!(w.sequence().window().t0(), start);
            let expect: Vec<f64> = seq.times().iter().copied()
                .filter(|&t| t >= start && t < from).collect();
            match w.history() {
                None => prop_assert!(start == from && expect.is_empty()),
                Some(h) => {
                    prop_assert_eq!(h.times(), &expect[..]);
                    prop_assert_eq!((h.window().t0(), h.window().t1()), (start, from));
                }
            }
            let mut all = expect.clone();
            all.extend_from_slice(piece.times());
            prop_assert_eq!(w.sequence().times(), &all[..]);
            share += w.share();
        }
        prop_assert!((share - 1.0).abs() < 1e-9);
    }
}

#[test]
fn a_length_that_is_not_positive_or_makes_too_many_pieces_is_refused() {
    let seq = EventSequence::new(Window::new(0.0, 1e9).unwrap(), 1, vec![1.0], vec![0]).unwrap();
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            seq.split_windows(bad),
            Err(PpError::InvalidArgument {
                name: "window length",
                ..
            })
        ));
    }
    let err = seq.split_windows(1.0).unwrap_err().to_string();
    assert!(err.contains("1e9 pieces") && err.contains("1e7"), "{err}");
    // a length longer than the window: the sequence itself
    let whole = seq.split_windows(2e9).unwrap();
    assert_eq!(whole, vec![seq.clone()]);
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let err = seq
            .split_windows_with_history(1e8, bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("history before each window"), "{err}");
    }
}
