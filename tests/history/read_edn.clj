;; Reads a consim EDN history (consim run --history FILE --history-format edn)
;; with clojure.edn, the reader Knossos and Elle use, and prints what it holds:
;;   java -cp /usr/share/java/clojure.jar clojure.main tests/history/read_edn.clj h.edn
;; Every form must be a Jepsen operation map: :type one of :invoke :ok :fail
;; :info, :f a keyword, :value a [key value] vector, :process, :time and
;; :index integers, :index counting 0, 1, 2, ... Prints one line per count:
;;   ops N              forms read
;;   type :invoke N     per :type
;;   f :write N         per :f, of the invocations
;;   keys N             distinct keys of the invocations
;; and exits 1 naming the first form that is not such a map.
(require '[clojure.edn :as edn] '[clojure.java.io :as io])

(defn fail [& msg]
  (binding [*out* *err*] (println (apply str "read_edn: " msg)))
  (System/exit 1))

(let [file (first *command-line-args*)
      ops (with-open [r (java.io.PushbackReader. (io/reader file))]
            (doall (take-while #(not= % ::eof) (repeatedly #(edn/read {:eof ::eof} r)))))]
  (doseq [[i op] (map-indexed vector ops)]
    (when-not (map? op) (fail "form " i " is not a map: " (pr-str op)))
    (when-not (#{:invoke :ok :fail :info} (:type op)) (fail "form " i ": :type " (pr-str (:type op))))
    (when-not (keyword? (:f op)) (fail "form " i ": :f " (pr-str (:f op))))
    (when-not (and (vector? (:value op)) (= 2 (count (:value op)))) (fail "form " i ": :value " (pr-str (:value op))))
    (doseq [k [:process :time :index]]
      (when-not (integer? (get op k)) (fail "form " i ": " k " " (pr-str (get op k)))))
    (when-not (= i (:index op)) (fail "form " i ": :index " (:index op))))
  (let [invokes (filter #(= :invoke (:type %)) ops)]
    (println "ops" (count ops))
    (doseq [[t n] (sort-by (comp str key) (frequencies (map :type ops)))] (println "type" t n))
    (doseq [[f n] (sort-by (comp str key) (frequencies (map :f invokes)))] (println "f" f n))
    (println "keys" (count (distinct (map (comp first :value) invokes))))))
